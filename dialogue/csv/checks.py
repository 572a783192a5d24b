"""Validation has one home, the model: how its verdicts reach a file's lines and
columns.

Each row's record is checked by ``Model.full_clean``: its fields (length, choices,
a slug's letters, a web address, a number's digits and range, an empty cell where
one is needed) and its ``clean()``. Unique fields and constraints are checked by the
database, batch by batch, as the rows are written in bulk. When the database refuses
a batch, its rows are written again one at a time to find which it refuses, and
each is reported with the model's own message (``validate_unique``, each
constraint's ``validate``), on its line, in its columns.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model, Q, UniqueConstraint


class ModelChecks:
    """The model's checks for a :class:`~.base.CsvResource`, by line and column.

    Reads what the resource sets up before the first row: ``import_fields`` (the
    file's columns), ``column_of`` (model field to column), ``not_checked`` and
    ``foreign_keys``.
    """

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        """The model's checks of its fields and ``clean()``, by column.

        Unique fields and constraints are left to the database (measured need:
        checking them here costs a query each, a dozen a meeting, and the import
        its speed); see :meth:`name_refused_rows`. So are foreign keys that are
        set: the lookup widgets found them a moment ago, and checking each again
        costs a query a row.
        """
        errors = dict(import_validation_errors or {})
        if self._meta.clean_model_instances:
            exclude = set(self.not_checked)
            if errors:  # a cell that could not be read: its field is not checked
                for field in self.import_fields:
                    if field.column_name in errors:
                        exclude.update(field.model_fields())
            for f in self.foreign_keys:
                if f.get_cached_value(instance, None) is not None:
                    exclude.add(f.name)
            # Measured need: a value a field has accepted once in this file is not
            # checked again (a field's checks depend on its value alone, and kinds,
            # places and dates repeat from row to row), and a row with nothing
            # left to check is not checked; without it the model's checks take
            # half again as long as the rest of the rows' reading.
            fresh = {}
            for name, accepted in self.accepted.items():
                value = getattr(instance, name)
                if value in accepted:
                    exclude.add(name)
                elif name not in exclude:
                    fresh[name] = value
            if not (self.column_of.keys() <= exclude and not self.model_cleans):
                try:
                    instance.full_clean(
                        exclude=exclude,
                        validate_unique=False,
                        validate_constraints=False,
                    )
                except ValidationError as exc:
                    for name, field_errors in exc.error_dict.items():
                        column = self.column_of.get(name, NON_FIELD_ERRORS)
                        errors.setdefault(column, []).extend(
                            cell_message(instance, name, e) for e in field_errors
                        )
                else:
                    for name, value in fresh.items():
                        if len(self.accepted[name]) < self.ACCEPTED_KEPT:
                            self.accepted[name].add(value)
        if errors:
            raise ValidationError(errors)

    #: Accepted values remembered per field, at most: enough for the kinds, places
    #: and dates that repeat, and a bound on the memory of those that never do
    #: (slugs, titles).
    ACCEPTED_KEPT = 1000

    @property
    def model_cleans(self):
        """Whether the model has a ``clean()`` of its own, which every row needs."""
        return self._meta.model.clean is not Model.clean

    def name_refused_rows(self, batch, new, error, result):
        """The database refused a batch: write its rows one at a time, each in a
        savepoint, and report each refused row with the model's own words. Rows
        written before it are in the database, so a row clashing with another
        row of the file is found too. A refusal no row explains is reported as
        it is."""
        self.failed = True
        named = False
        for obj in batch:
            if new:  # a statement of the batch may have numbered it
                obj.pk = None
                obj._state.adding = True
            try:
                with transaction.atomic(using=self.get_db_connection_name()):
                    self.write_rows([obj], new)
            except DatabaseError as exc:
                errors = self.refusal(obj) or self.database_words(exc)
                number = self.row_numbers[id(obj)]
                row = dict(
                    zip(self.dataset.headers, self.dataset[number - 1], strict=True)
                )
                result.append_invalid_row(number, row, ValidationError(errors))
                named = True
        if not named:
            self.handle_import_error(result, error)

    def refusal(self, obj):
        """What the model says of ``obj`` beside what is written: its unique
        fields and its constraints, by column."""
        errors = {}
        try:
            obj.validate_unique()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(self.columns_for([name]), []).extend(messages)
        for constraint in obj._meta.constraints:
            try:
                constraint.validate(type(obj), obj)
            except ValidationError as exc:
                columns = self.columns_for(constrained_fields(constraint))
                errors.setdefault(columns, []).extend(exc.messages)
        return errors

    def database_words(self, error):
        """A refusal the model's checks do not explain, in the words of the
        constraint the database names, else in the database's own."""
        for constraint in self._meta.model._meta.constraints:
            if constraint.name in str(error):
                columns = self.columns_for(constrained_fields(constraint))
                return {columns: [constraint.get_violation_error_message()]}
        return {NON_FIELD_ERRORS: [f"The database refused this row: {error}."]}

    def columns_for(self, names):
        """The column, or columns in file order, of these model fields."""
        columns = {self.column_of[name] for name in names if name in self.column_of}
        ordered = tuple(
            f.column_name for f in self.import_fields if f.column_name in columns
        )
        if not ordered:
            return NON_FIELD_ERRORS
        return ordered[0] if len(ordered) == 1 else ordered


def constrained_fields(constraint):
    """The names of the fields a constraint is about."""
    if isinstance(constraint, UniqueConstraint):
        return constraint.fields
    return Q(constraint.condition).referenced_base_fields


def cell_message(instance, name, error):
    """A model's error about field ``name``, in the words of a file: an empty
    cell, or a value outside the field's choices, named with what to write."""
    if error.code in ("null", "blank"):
        return "This column cannot be empty."
    if error.code == "invalid_choice":
        field = instance._meta.get_field(name)
        allowed = ", ".join(str(value) for value, _label in field.flatchoices)
        empty = " or leave it empty" if field.blank else ""
        return (
            f'"{error.params["value"]}" is not allowed here: use one of '
            f"{allowed}{empty}."
        )
    return " ".join(error.messages)
