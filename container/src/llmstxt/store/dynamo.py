"""DynamoDB plumbing for the AWS store: item keys, value encoding, update expressions, table spec."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from llmstxt.store.base import R

DUE_INDEX = "due"
DUE = "DUE"
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def encode(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value (floats become Decimals)."""
    return dict(_serializer.serialize(json.loads(json.dumps(value), parse_float=Decimal)))


def plain(value: Any) -> Any:
    """Undo DynamoDB's Decimals, recursively: integral ones become int, others float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [plain(v) for v in value]
    return value


def decode(cls: type[R], item: dict[str, Any]) -> R:
    """A record from a raw DynamoDB item, ignoring storage keys."""
    names = {f.name for f in dataclasses.fields(cls)}
    data = {k: plain(_deserializer.deserialize(v)) for k, v in item.items() if k in names}
    return cls(**data)


def site_item_key(site: str) -> dict[str, Any]:
    """The table key of a site's META item."""
    return {"pk": {"S": f"SITE#{site}"}, "sk": {"S": "META"}}


def job_item_key(job_id: str) -> dict[str, Any]:
    """The table key of a job."""
    return {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": "META"}}


def version_item_key(site: str, version: str) -> dict[str, Any]:
    """The table key of a version."""
    return {"pk": {"S": f"SITE#{site}"}, "sk": {"S": f"VERSION#{version}"}}


class Update:
    """An UpdateItem expression built field by field, every name and value a placeholder."""

    def __init__(self) -> None:
        """Start an empty expression."""
        self.sets: list[str] = []
        self.removes: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, field: str) -> str:
        """The placeholder of an attribute name."""
        ref = f"#n{len(self.names)}"
        self.names[ref] = field
        return ref

    def value(self, value: Any) -> str:
        """The placeholder of a value."""
        ref = f":v{len(self.values)}"
        self.values[ref] = encode(value)
        return ref

    def set(self, field: str, value: Any, *, keep: bool = False) -> Update:
        """SET a field (REMOVE it when None); with keep, only when it is not set yet."""
        if value is None:
            if not keep:
                self.removes.append(self.name(field))
            return self
        ref = self.name(field)
        rhs = f"if_not_exists({ref}, {self.value(value)})" if keep else self.value(value)
        self.sets.append(f"{ref} = {rhs}")
        return self

    def fields(self, fields: dict[str, Any]) -> Update:
        """SET or REMOVE each field, keeping the due marker in step with auto_update."""
        for field, value in fields.items():
            self.set(field, value)
        if "auto_update" in fields:
            self.set("due", DUE if fields["auto_update"] else None)
        return self

    def kwargs(self, condition: str | None = None) -> dict[str, Any]:
        """The UpdateItem arguments for this expression and an optional condition."""
        parts = [f"SET {', '.join(self.sets)}"] if self.sets else []
        parts += [f"REMOVE {', '.join(self.removes)}"] if self.removes else []
        out: dict[str, Any] = {"UpdateExpression": " ".join(parts), "ReturnValues": "ALL_NEW"}
        if condition:
            out["ConditionExpression"] = condition
        if self.names:
            out["ExpressionAttributeNames"] = self.names
        if self.values:
            out["ExpressionAttributeValues"] = self.values
        return out


def table_spec(table: str) -> dict[str, Any]:
    """The CreateTable arguments: string keys pk/sk, the sparse `due` GSI, on-demand billing."""
    return {
        "TableName": table,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "due", "AttributeType": "S"},
            {"AttributeName": "next_crawl_at", "AttributeType": "N"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": DUE_INDEX,
                "KeySchema": [
                    {"AttributeName": "due", "KeyType": "HASH"},
                    {"AttributeName": "next_crawl_at", "KeyType": "RANGE"},
                ],
                # Keys are enough: each candidate is claimed by a conditional update on the item.
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    }
