"""The box office's domain: seating, holds, pricing, sales, staff, schedules. No UI, no textual, no rich.

Services take a session as a keyword argument and an explicit ``now``; they never open sessions or commit
(the caller's ``db.engine.transaction()`` does), return frozen values and raise :class:`BoxOfficeError`.
"""
