"""A tour panel laid out as text and buttons for a pointer (a headset's controller ray), as
pure code: a station draws the :class:`PanelLayout`, intersects its pointer with the panel's
plane and passes the point to :func:`hit`; :func:`press` applies the button to the
:class:`~wardtwin.station.tourplay.TourPlayer`.

Panel coordinates are metres on the panel, origin at its centre, +x right and +y up.
"""

from __future__ import annotations

from dataclasses import dataclass

from wardtwin.metrics.scores import FMS_MAX, SSQ_ITEMS
from wardtwin.station.tourplay import SSQ_SCALE, Panel

#: Panel width, m (at 1.5 m from the eyes, about 44 degrees of view).
WIDTH = 1.2
#: Text height of body text and of titles, m.
TEXT = 0.035
TITLE = 0.05
#: Button height and gap between buttons, m.
BUTTON = 0.07
GAP = 0.015
#: Characters per line of body text at :data:`TEXT` size across the panel.
WRAP = 52


@dataclass(frozen=True)
class Button:
    """A pointer target: ``label``, what pressing it does (``action``: ``("key", name)``,
    ``("choose", i)``, ``("rate", fms)``, ``("symptom", item, 0-3)`` or ``("send_ssq",)``),
    its rectangle ``(x0, y0, x1, y1)`` in panel metres, and ``on``: it shows the current value."""

    label: str
    action: tuple
    rect: tuple[float, float, float, float]
    on: bool = False

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.rect
        return x0 <= x <= x1 and y0 <= y <= y1


@dataclass(frozen=True)
class Text:
    """A line of text at ``(x, y)`` (its left end and baseline, panel metres), ``size`` m high."""

    text: str
    x: float
    y: float
    size: float = TEXT


@dataclass(frozen=True)
class PanelLayout:
    """A laid-out panel: ``width`` x ``height`` m, its texts and buttons; ``kind`` as the Panel's."""

    kind: str
    width: float
    height: float
    texts: tuple[Text, ...]
    buttons: tuple[Button, ...]


def _wrap(text: str, width: int = WRAP) -> list[str]:
    out = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split():
            if line and len(line) + 1 + len(word) > width:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        out.append(line)
    return out


class _Builder:
    def __init__(self, width: float):
        self.w = width
        self.y = 0.0  # top-down cursor: distance below the top edge
        self.texts: list[Text] = []
        self.buttons: list[Button] = []
        self.m = 0.05  # margin

    def text(self, text: str, size: float = TEXT) -> None:
        for line in _wrap(text, int(WRAP * TEXT / size)):
            self.y += size * 1.35
            self.texts.append(Text(line, -self.w / 2 + self.m, -self.y, size))

    def row(self, items, height: float = BUTTON, x0: float | None = None) -> None:
        """A row of (label, action, on) buttons sharing the width from ``x0`` to the right margin."""
        left = -self.w / 2 + self.m if x0 is None else x0
        right = self.w / 2 - self.m
        n = len(items)
        bw = (right - left - GAP * (n - 1)) / n
        top = -(self.y + GAP)
        for i, (label, action, on) in enumerate(items):
            x = left + i * (bw + GAP)
            self.buttons.append(Button(label, action, (x, top - height, x + bw, top), on))
        self.y += GAP + height

    def done(self, kind: str) -> PanelLayout:
        h = self.y + self.m
        # move the origin from the top edge to the centre
        texts = tuple(Text(t.text, t.x, t.y + h / 2, t.size) for t in self.texts)
        buttons = tuple(Button(b.label, b.action, (b.rect[0], b.rect[1] + h / 2, b.rect[2], b.rect[3] + h / 2), b.on)
                        for b in self.buttons)
        return PanelLayout(kind, self.w, h, texts, buttons)


def layout(panel: Panel, width: float = WIDTH) -> PanelLayout:
    """Lay out ``panel`` for a pointer: the title, the text, and the buttons its kind needs."""
    b = _Builder(width)
    b.y = b.m / 2
    if panel.title:
        b.text(panel.title, TITLE)
    if panel.text:
        b.text(panel.text)
    k = panel.kind
    if k == "say":
        b.row([("Continue", ("key", "enter"), False)])
    elif k == "task":
        b.row([("Hint", ("key", "h"), False), ("Skip", ("key", "n"), False), ("Pause", ("key", "p"), False),
               ("Quit", ("key", "escape"), False)])
    elif k == "ride":
        b.row([("Pause", ("key", "p"), False), ("Quit", ("key", "escape"), False)])
    elif k == "choice":
        for i, c in enumerate(panel.choices):
            b.row([(c, ("choose", i), i == panel.selected)])
    elif k == "fms":
        b.text("0 = no sickness at all ... 20 = frank sickness")
        for lo in (0, 11):
            hi = min(lo + 10, FMS_MAX)
            b.row([(str(v), ("rate", v), v == panel.value) for v in range(lo, hi + 1)])
    elif k == "ssq":
        rows = dict(panel.rows)
        label_w = 0.42 * width
        for item in SSQ_ITEMS:
            v = rows.get(item, 0)
            y_before = b.y
            b.row([(SSQ_SCALE[i], ("symptom", item, i), i == v) for i in range(4)], height=0.045,
                  x0=-width / 2 + b.m + label_w)
            b.texts.append(Text(item.replace("_", " ").capitalize(), -width / 2 + b.m, -(y_before + GAP + 0.032),
                                0.028))
        b.row([("Send", ("send_ssq",), False), ("Skip", ("key", "n"), False)])
    elif k == "paused":
        b.row([("Go on", ("key", "p"), False), ("Quit", ("key", "escape"), False)])
    elif k == "confirm_quit":
        b.row([("Quit", ("key", "y"), False), ("Go on", ("key", "n"), False)])
    elif k == "summary":
        b.row([("Close", ("key", "enter"), False)])
    return b.done(k)


def hit(lay: PanelLayout, x: float, y: float) -> Button | None:
    """The button at panel point ``(x, y)`` m, or None."""
    return next((btn for btn in lay.buttons if btn.contains(x, y)), None)


def press(player, button: Button) -> None:
    """Do what ``button`` does to the tour ``player``."""
    a = button.action
    if a[0] == "key":
        player.key(a[1])
    elif a[0] == "choose":
        player.choose(a[1])
    elif a[0] == "rate":
        player.rate(a[1])
    elif a[0] == "symptom":
        player.set_symptom(a[1], a[2])
    elif a[0] == "send_ssq":
        player.submit_ssq()
