"""A profile as a timeline in a notebook cell: `show_profile()` draws the spans of the current
profile (or of a Chrome trace file) in one lane per device and thread, as an SVG picture."""
import html
import json

__all__ = ["show_profile", "ProfileView"]

_LANE, _TOP, _LEFT, _WIDTH = 22, 28, 150, 900
_PALETTE = ("#8dd3c7", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#bebada", "#fccde5", "#ffffb3")


def show_profile(trace=None, max_events=5000):
    """A timeline of `trace`: a Chrome trace dict, a path to one, or None for the live profile.

    Parameters
    ----------
    trace : dict, str or None
    max_events : int
        Draw at most this many spans (the longest ones).

    Returns
    -------
    ProfileView
        Displays itself as an SVG timeline.
    """
    if trace is None:
        from .. import profiler
        trace = profiler.get_trace()
    elif isinstance(trace, str):
        with open(trace) as f:
            trace = json.load(f)
    return ProfileView(trace, max_events)


class ProfileView:
    def __init__(self, trace, max_events=5000):
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        names = {e["pid"]: e["args"]["name"] for e in events
                 if e.get("ph") == "M" and e.get("name") == "process_name"}
        spans = [e for e in events if e.get("ph") == "X"]
        spans.sort(key=lambda e: -e.get("dur", 0))
        self.spans = sorted(spans[:max_events], key=lambda e: e["ts"])
        self.lanes = sorted({(e["pid"], e["tid"]) for e in self.spans}, key=str)
        self.lane_names = ["%s thread %d" % (names.get(pid, pid), i)
                           for i, (pid, tid) in enumerate(self.lanes)]

    def svg(self):
        if not self.spans:
            return '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="30"><text x="4" ' \
                   'y="20" font-size="12">(no spans recorded)</text></svg>'
        start = min(e["ts"] for e in self.spans)
        end = max(e["ts"] + e.get("dur", 0) for e in self.spans)
        scale = _WIDTH / max(end - start, 1.0)
        lane_of = {lane: i for i, lane in enumerate(self.lanes)}
        colours = {}
        height = _TOP + _LANE * len(self.lanes) + 10
        parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                 'font-family="Helvetica, Arial, sans-serif" font-size="10">'
                 % (_LEFT + _WIDTH + 10, height),
                 '<text x="%d" y="14">%.3f ms</text>' % (_LEFT, (end - start) / 1000.0)]
        for i, name in enumerate(self.lane_names):
            parts.append('<text x="4" y="%d">%s</text>' % (_TOP + i * _LANE + 14, html.escape(name)))
        for e in self.spans:
            colour = colours.setdefault(e["name"], _PALETTE[len(colours) % len(_PALETTE)])
            x = _LEFT + (e["ts"] - start) * scale
            w = max(0.5, e.get("dur", 0) * scale)
            y = _TOP + lane_of[(e["pid"], e["tid"])] * _LANE
            parts.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="%s"><title>%s: '
                         '%.3f ms</title></rect>' % (x, y, w, _LANE - 4, colour,
                                                     html.escape(e["name"]), e.get("dur", 0) / 1000))
        parts.append("</svg>")
        return "".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": self.svg(),
                "text/plain": "<ProfileView: %d spans in %d lanes>" % (len(self.spans), len(self.lanes))}
