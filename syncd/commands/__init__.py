"""The command line and everything that draws for a person: the parser and one module per
command group, the tables and JSON they print, `why`, `classify`, `demo`, `install`."""
