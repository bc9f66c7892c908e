"""Read models: the queries behind lists and overviews, one module per subject.

Each function takes the unit of work's connection and returns frozen records; none writes.
Lists page by id (``after_id``, ``limit``), so a page costs the same on page 1 and page 1,000.
"""
