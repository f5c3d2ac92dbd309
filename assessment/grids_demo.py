"""The 看示范点怎么做 blocks of the checklist and the rectification items: rendered by Jinja2
from selectors_demo.models_by_item (one query for every item of the page)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from .grids import url_pattern
from .selectors_demo import models_by_item, models_of_same_item


def model_blocks(township_id, standard_id, item_ids=None):
    """{item_id: HTML of its models}: one query, whatever the number of items and files."""
    by_item = models_by_item(township_id, standard_id, item_ids)
    if not by_item:
        return {}
    library_url = reverse("models-library")
    return {item_id: _block(models, library_url) for item_id, models in by_item.items()}


def item_model_block(township_id, item):
    """The block of one item with the models of the same item in any version (a rectification)."""
    models = models_of_same_item(township_id, item)
    return _block(models, reverse("models-library")) if models else ""


def _block(models, library_url):
    prepare_urls(models)
    return mark_safe(render_to_string(
        "assessment/model_block.jinja", {"models": models, "library_url": library_url}, using="jinja2"))


def prepare_urls(models):
    """Set file_url and thumb_url on every file of the ModelViews; returns them."""
    file_url, thumb_url = url_pattern("model-file"), url_pattern("model-thumb")
    for model in models:
        for f in model.files:
            f.file_url, f.thumb_url = file_url(f.id), thumb_url(f.id)
    return models
