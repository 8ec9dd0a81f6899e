"""Pure parsers: funder documents (JSON, XML, HTML) in, record fields out.

Nothing here does I/O or reads the clock; the spiders in ``crawlers.spiders`` fetch the
documents and turn the field dicts returned here into items with ``make_item(**fields)``.
"""
