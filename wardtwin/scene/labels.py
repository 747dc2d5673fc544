"""Label placement on the screen, pure (numpy-free arithmetic on a few boxes): labels drawn
over everything must not overlap, so those that would are lifted, each just above the boxes
it would cover. Used by the scene's cull callback once per camera and frame, for the labels
in sight (a handful), so it is written for small counts."""

from __future__ import annotations

#: Space kept between two lifted labels, in normalised device coordinates (the screen is 2 high).
GAP = 0.01


def _shift(box, placed, up: bool) -> float:
    """How far to move ``box`` (up: +, down: -) to clear every box in ``placed``."""
    x0, x1, y0, y1 = box
    dy = 0.0
    for _ in range(len(placed) + 1):  # each pass clears at least one placed box for good
        hit = [p for p in placed if p[0] < x1 and x0 < p[1] and p[2] < y1 + dy and y0 + dy < p[3]]
        if not hit:
            break
        dy = (max(p[3] for p in hit) + GAP - y0) if up else (min(p[2] for p in hit) - GAP - y1)
    return dy


def spread_labels(boxes, top: float = 1.0) -> list[float]:
    """How far to lift each label (normalised device coordinates, y up: the screen is -1..1;
    negative: lowered) so that no two overlap. ``boxes``: (x0, x1, y0, y1) of each label's
    card where its anchor puts it; a card reaching past ``top`` (the screen's upper edge) is
    first lowered to it. Labels lower on the screen keep their place; each one above
    is lifted past every label already placed that it would overlap, as little as needed (a
    stack grows upward, the way a reader expects a list), or, where that would take it past
    ``top``, lowered under them instead. Deterministic: ties keep
    the given order."""
    first = [min(0.0, top - y1) for _, _, _, y1 in boxes]
    boxes = [(x0, x1, y0 + d, y1 + d) for (x0, x1, y0, y1), d in zip(boxes, first)]
    order = sorted(range(len(boxes)), key=lambda k: (boxes[k][2], k))
    placed: list[tuple[float, float, float, float]] = []
    lift = [0.0] * len(boxes)
    for k in order:
        x0, x1, y0, y1 = boxes[k]
        dy = _shift(boxes[k], placed, up=True)
        if y1 + dy > top:
            down = _shift(boxes[k], placed, up=False)
            if y1 + down <= top:
                dy = down
        lift[k] = first[k] + dy
        placed.append((x0, x1, y0 + dy, y1 + dy))
    return lift


def overlaps(boxes, lifts) -> list[tuple[int, int]]:
    """Pairs of labels whose lifted boxes overlap (for tests and checks)."""
    b = [(x0, x1, y0 + d, y1 + d) for (x0, x1, y0, y1), d in zip(boxes, lifts)]
    return [(i, j) for i in range(len(b)) for j in range(i + 1, len(b))
            if b[i][0] < b[j][1] and b[j][0] < b[i][1] and b[i][2] < b[j][3] and b[j][2] < b[i][3]]
