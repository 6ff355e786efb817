"""The Textual application of the box office: the one package that imports textual.

It holds the app (counter and kiosk modes), its screens, widgets and ``.tcss`` styles, config loading and the
command line. Domain rules live in :mod:`boxoffice`, persistence in :mod:`db`; nothing here decides whether a
seat can be sold, it only asks and shows the answer.
"""
