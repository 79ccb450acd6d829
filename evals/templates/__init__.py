"""Public ML design-doc templates: pointers and our labels (texts stay outside the repo)."""
