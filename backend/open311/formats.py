"""Open311's two formats: JSON as flask-smorest dumps it, XML with the spec's element names."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Response

# Lists are wrapped in their plural element, each item in the singular.
ITEM_TAGS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
             "endpoints": "endpoint", "formats": "format", "errors": "error"}


def xml_response(root: str, data, status: int = 200) -> Response:
    """Serialises a list (under root, each item in its singular element) or an object (as root) to XML."""
    element = ElementTree.Element(root)
    _fill(element, data)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(element, encoding="utf-8",
                                                                           xml_declaration=False)
    return Response(body, status=status, mimetype="text/xml")


def _fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, tag), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
