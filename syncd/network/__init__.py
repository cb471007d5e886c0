"""The picture of the network (``syncd report --html``, refreshed by the daemon when
``[report] path`` is set): ``facts`` gathers what it shows from a snapshot (pure), ``charts``
draws the inline SVG charts (pygal, the optional extra ``syncd[report]``), ``page`` lays out one
self-contained HTML file, and ``write`` puts it on disk."""
