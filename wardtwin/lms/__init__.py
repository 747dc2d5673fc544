"""cmi5: the tour as an assignable unit (AU) of a learning management system (LMS).

- :mod:`wardtwin.lms.package`: ``wardtwin package WARD TOUR -o course.zip``, the course package
  (``cmi5.xml`` at the zip root) an LMS imports, with the tour as its one AU.
- :mod:`wardtwin.lms.cmi5`: the launch parameters an LMS appends to the AU's URL, its
  ``LMS.LaunchData`` state document, and the cmi5 defined statements a station makes from a
  tour's events (pure: no network, no clock of its own, no Panda3D).
- :mod:`wardtwin.lms.outbox`: the durable local queue of statements not yet stored by the LRS.
- :mod:`wardtwin.lms.client`: HTTP to the LMS (fetch URL, state and agent profile documents,
  statements) and the session sink a station adds when an LMS launched it.

Written from the cmi5 specification (Quartz, 1st edition, with the errata of the AICC
CMI-5_Spec_Current repository): sections 8 (launch), 9 (statements), 10 (LaunchData), 13-14
(course structure and package).
"""
