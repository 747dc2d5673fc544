"""``wardtwin package WARD TOUR -o course.zip``: a cmi5 course package (cmi5 sections 13-14).

The zip holds ``cmi5.xml`` at its root: a course with one assignable unit (AU), the tour. Ids
live under the activity base IRI (``--activity-base`` or ``[xapi] activity_base`` in the
configuration file, as for ``report --format xapi``): the course is ``<base>courses/<ward>/<tour>``
and the AU ``<base>tours/<ward>/<tour>``, the same IRI as the tour's activity in the xAPI report,
so an LMS's records and wardtwin's exports name the tour alike. The AU's ``masteryScore`` is the
tour's pass mark (its ``pass_mark``, else 0.8; ``--pass-mark`` wins), its ``moveOn``
``CompletedAndPassed`` unless ``--move-on`` says otherwise, its ``launchMethod`` ``OwnWindow``,
and its ``url`` ``wardtwin://tour/WARD/TOUR`` (an application scheme, which cmi5 allows for AUs
that are not web pages: the station's URL handler runs ``wardtwin tour --cmi5-launch URL``), or
``--au-url``. The XML is written with an XML library (no text is pasted into markup) and the zip
is reproducible (fixed member dates), written atomically.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from wardtwin.errors import UsageError
from wardtwin.lms.cmi5 import DEFAULT_PASS_MARK, MOVE_ON, au_url
from wardtwin.safetext import escape

#: The course structure's XML namespace (cmi5 section 13.2).
NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
#: The AU's activity type (a walk through a simulated ward).
ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/simulation"
LANG = "en-US"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Course:
    """What goes into ``cmi5.xml``: ids (IRIs), texts, and the AU's launch settings."""

    course_id: str
    au_id: str
    title: str
    description: str
    au_title: str
    au_description: str
    url: str
    mastery_score: float
    move_on: str = "CompletedAndPassed"
    launch_method: str = "OwnWindow"


def decimal(x: float) -> str:
    """``x`` as an xs:decimal with at most 4 decimal places (cmi5's masteryScore precision)."""
    text = f"{round(x, 4):.4f}".rstrip("0").rstrip(".")
    return text or "0"


def course_for(tour, layout, ward_arg: str, tour_arg: str, *, activity_base: str, pass_mark: float | None = None,
               move_on: str = "CompletedAndPassed", url: str | None = None) -> Course:
    """The :class:`Course` of ``tour`` (a loaded tour) on ``layout`` (its ward); ``ward_arg`` and
    ``tour_arg``: how the station names them in the default AU url."""
    if move_on not in MOVE_ON:
        raise UsageError(f"--move-on {escape(move_on)!r}: one of {', '.join(MOVE_ON)} expected")
    mark = pass_mark if pass_mark is not None else (tour.pass_mark if tour.pass_mark is not None else DEFAULT_PASS_MARK)
    if not 0.0 <= mark <= 1.0:
        raise UsageError(f"pass mark {mark!r}: a share from 0 to 1 expected")
    ward, tid = quote(layout.ward.id, safe=""), quote(tour.id, safe="")
    if url is not None:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or not parts.scheme or any(c.isspace() or ord(c) < 0x20 for c in url):
            raise UsageError(f"--au-url {escape(url)!r}: a fully qualified URL expected (the package holds no "
                             "content a relative URL could point to)")
    steps = len(tour.steps)
    wname = layout.ward.name
    return Course(
        course_id=f"{activity_base}courses/{ward}/{tid}", au_id=f"{activity_base}tours/{ward}/{tid}",
        title=tour.name, description=tour.description or f"Orientation to {wname}: {tour.name}",
        au_title=tour.name,
        au_description=(f"{tour.name}: an orientation tour of {wname} at a wardtwin station ({steps} steps, "
                        f"{tour.mode} mode); passed when at least {decimal(mark * 100)}% of the steps are completed"),
        url=url or au_url(ward_arg, tour_arg), mastery_score=mark, move_on=move_on)


def _langstring(parent, tag: str, text: str) -> None:
    el = ET.SubElement(parent, tag)
    ls = ET.SubElement(el, "langstring", lang=LANG)
    ls.text = escape(text)


def course_xml(c: Course) -> bytes:
    """``cmi5.xml`` of a course (UTF-8, with an XML declaration)."""
    root = ET.Element("courseStructure", xmlns=NAMESPACE)
    course = ET.SubElement(root, "course", id=c.course_id)
    _langstring(course, "title", c.title)
    _langstring(course, "description", c.description)
    au = ET.SubElement(root, "au", id=c.au_id, moveOn=c.move_on, masteryScore=decimal(c.mastery_score),
                       launchMethod=c.launch_method, activityType=ACTIVITY_TYPE)
    _langstring(au, "title", c.au_title)
    _langstring(au, "description", c.au_description)
    ET.SubElement(au, "url").text = c.url
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def package_zip(c: Course) -> bytes:
    """The course package: a zip with ``cmi5.xml`` at its root (the same bytes for the same course)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("cmi5.xml", date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, course_xml(c))
    return buf.getvalue()
