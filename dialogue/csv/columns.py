"""Columns: read a cell, compare it with the record, write it to the record."""

from import_export import fields

from ..partial_dates import PartialDate
from .widgets import PartialDateWidget, SourcesWidget


class Column(fields.Field):
    """One CSV column mapped to one model attribute."""

    def __init__(self, column, widget, attribute=None):
        super().__init__(
            attribute=attribute or column, column_name=column, widget=widget
        )

    def parse(self, row):
        return self.widget.clean(row[self.column_name], row=row)

    def current(self, instance):
        return getattr(instance, self.attribute)

    def assign(self, instance, value):
        setattr(instance, self.attribute, value)

    def model_fields(self):
        """The model fields this column writes (their errors are the column's)."""
        return [self.attribute]

    def render(self, value):
        return self.widget.render(value)

    def export(self, instance, **kwargs):
        return self.render(self.current(instance))

    def clean(self, row, **kwargs):
        return self.parse(row)

    def get_value(self, instance):
        return self.current(instance)

    def save(self, instance, row, is_m2m=False, **kwargs):
        self.assign(instance, self.parse(row))


class PartialDateColumn(Column):
    """A date column stored as a date and how precisely it is known."""

    def __init__(self, column, date_attribute, precision_attribute):
        super().__init__(column, PartialDateWidget(), attribute=date_attribute)
        self.precision_attribute = precision_attribute

    def current(self, instance):
        return PartialDate(
            getattr(instance, self.attribute),
            getattr(instance, self.precision_attribute),
        )

    def assign(self, instance, value):
        setattr(instance, self.attribute, value.date)
        setattr(instance, self.precision_attribute, value.precision)

    def model_fields(self):
        return [self.attribute, self.precision_attribute]


class SourcesColumn(Column):
    """The ``sources`` column: written to the many-to-many table after the rows,
    in bulk (the library writes no many-to-many column with ``use_bulk``)."""

    def __init__(self):
        super().__init__("sources", SourcesWidget())

    def current(self, instance):
        if hasattr(instance, "_csv_sources"):
            return instance._csv_sources
        return self.widget.sources_of(instance.pk) if instance.pk else ()

    def assign(self, instance, value):
        instance._csv_sources = value
        instance._csv_sources_changed = True

    def model_fields(self):
        return []
