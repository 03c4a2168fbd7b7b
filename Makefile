# mxnb — the two commands for a fresh machine:
#
#   make lab    set up .venv (once), then start JupyterLab on notebooks/
#   make test   set up .venv (once), then run the test suite (and its core under the threaded engine)
#
# Set-up is idempotent: the editable install is redone only when pyproject.toml is newer than
# the stamp file .venv/.mxnb-installed, so a second `make test` goes straight to pytest.

PYTHON     ?= python3
VENV       ?= .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.mxnb-installed
KERNEL     := $(VENV)/share/jupyter/kernels/python3/kernel.json
EXTRAS     ?= notebook,test,fast
PIP        := $(PY) -m pip --disable-pip-version-check
PYTEST_ARGS ?=
TESTS      ?= tests/
LAB_ARGS   ?=
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
LAB_ROOT   := $(if $(filter 0,$(shell id -u)),--allow-root,)

LABEXT     := $(VENV)/share/jupyter/labextensions/mxnb
NPM        ?= npm

.PHONY: lab test test-engine setup dot clean-venv extension extension-test node

lab: setup
	mkdir -p notebooks
	$(VENV)/bin/jupyter lab $(LAB_ROOT) $(LAB_ARGS) notebooks/

test: setup extension-test
	$(PY) -m pytest -q $(PYTEST_ARGS) $(TESTS)
	$(MAKE) --no-print-directory test-engine

# The core tests again under the threaded engine (MXNet's default engine type): results must not
# depend on the engine. A few minutes on 2 cores.
ENGINE_TESTS ?= tests/test_ndarray.py tests/test_autograd.py tests/gluon tests/graph \
	tests/test_executor.py tests/test_module.py tests/ops tests/engine \
	tests/test_custom_op.py tests/test_control_flow.py
test-engine: setup
	MXNET_ENGINE_TYPE=ThreadedEnginePerDevice $(PY) -m pytest -q $(PYTEST_ARGS) -k "not fuzz" $(ENGINE_TESTS)

setup: $(STAMP) $(KERNEL) $(LABEXT)

# The editable install does not copy data files: link the prebuilt extension (committed in
# mxnb/labextension) where JupyterLab looks for prebuilt extensions, so `make lab` has it.
$(LABEXT): $(STAMP)
	mkdir -p $(dir $(LABEXT))
	ln -sfn $(CURDIR)/mxnb/labextension $(LABEXT)

# Node.js and npm build and test the extension's sources; using it needs neither.
node:
	@command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1 || { \
		echo "Node.js and npm are needed to test or build extension/ (Node 18 or newer):"; \
		echo "  Debian/Ubuntu: sudo apt-get install nodejs npm   macOS: brew install node"; \
		echo "  or https://nodejs.org/en/download"; exit 1; }

extension/node_modules/.package-lock.json: extension/package-lock.json | node
	cd extension && $(NPM) ci --no-audit --no-fund

# The extension's unit tests (Vitest) and its type and format checks.
extension-test: node extension/node_modules/.package-lock.json
	cd extension && $(NPM) test && $(NPM) run lint

# Rebuilds the prebuilt extension (mxnb/labextension) and the widgets' bundle from extension/.
extension: node extension/node_modules/.package-lock.json $(STAMP)
	cd extension && $(NPM) run build:lib && $(NPM) run build:widgets && node node_modules/@jupyterlab/builder/lib/build-labextension.js \
		--core-path $$($(CURDIR)/$(PY) -c "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging'))") .
	cp extension/install.json mxnb/labextension/install.json

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The venv's own kernelspec (argv = this venv's python), so notebooks run in this venv whatever
# kernels the machine has globally.
$(KERNEL): $(STAMP)
	$(PY) -m ipykernel install --sys-prefix
	touch $(KERNEL)

# Optional: Graphviz's `dot` draws mx.viz.plot_network's Digraph as a picture for front ends
# without the extension (nbconvert, GitHub). JupyterLab draws graphs with the extension alone.
dot:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Graphviz (dot) with apt-get"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
			|| echo "apt-get could not install graphviz: mx.viz.plot_network will not render"; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		echo "Installing Graphviz (dot) with sudo apt-get"; \
		sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null \
			|| echo "apt-get could not install graphviz: mx.viz.plot_network will not render"; \
	else \
		echo "Graphviz's 'dot' is missing and cannot be installed here without root."; \
		echo "Install it yourself: 'sudo apt-get install graphviz' (Debian/Ubuntu),"; \
		echo "'brew install graphviz' (macOS) or 'conda install graphviz'."; \
	fi

clean-venv:
	rm -rf $(VENV)
