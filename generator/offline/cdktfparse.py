"""Reads one module of a CDK provider binding (cdktf or CDK Terrain, read as cdktf) into
``terraform providers schema -json`` block format.

Each ``lib/<type>/index.js`` of the binding's jsii bundle ends with an inline source map whose
TypeScript carries, per attribute, a comment ``// name - computed: B, optional: B, required: B``
and code that tells blocks from attributes and lists from sets: :func:`extract_type` turns a
resource's or data source's module into its schema, :func:`extract_provider` the provider's own
configuration block. The wheel, the served versions and the output file are extract.py's.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

_COMMENT_RE = re.compile(
    r"^  // (\w+) - computed: (true|false), optional: (true|false), required: (true|false)\n((?:.*\n){1,4})",
    re.M,
)
_HCL_RE = re.compile(
    r'^\s+(\w+): \{\n\s+value: (.*)\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",',
    re.M,
)
_CLASS_RE = re.compile(r"^export class (\w+) extends cdktf\.(\w+) \{\n(.*?)^\}\n", re.M | re.S)
_HCLFN_RE = re.compile(
    r"^export function (\w+)ToHclTerraform\(struct\?: [^)]*\): any \{\n(.*?)^\}\n", re.M | re.S
)
_NEW_RE = re.compile(r'private _\w+ = new ([A-Z]\w+)\(this, "\w+"(?:, (true|false))?\);')
_TYPE_NAME_RE = re.compile(r'public static readonly tfResourceType = "(\w+)"')
_IFACE_RE = r"^export interface {} (?:extends [\w.]+ )?\{{\n(.*?)^\}}\n"

# How a getter reads an attribute tells its type; first match wins.
_GETTER_TYPES: tuple[tuple[str, Any], ...] = (
    ("new cdktf.StringMap(", ["map", "string"]),
    ("new cdktf.NumberMap(", ["map", "number"]),
    ("new cdktf.BooleanMap(", ["map", "bool"]),
    ("new cdktf.AnyMap(", ["map", "dynamic"]),
    ("cdktf.Token.asNumberList(cdktf.Fn.tolist(this.getNumberListAttribute", ["set", "number"]),
    ("cdktf.Fn.tolist(this.getListAttribute", ["set", "string"]),
    ("cdktf.Fn.tolist(this.getNumberListAttribute", ["set", "number"]),
    ("this.getNumberListAttribute", ["list", "number"]),
    ("this.getListAttribute", ["list", "string"]),
    ("this.getStringAttribute", "string"),
    ("this.getNumberAttribute", "number"),
    ("this.getBooleanAttribute", "bool"),
    ("this.getStringMapAttribute", ["map", "string"]),
    ("this.getNumberMapAttribute", ["map", "number"]),
    ("this.getBooleanMapAttribute", ["map", "bool"]),
    ("this.getAnyMapAttribute", ["map", "dynamic"]),
    ("this.interpolationForAttribute", "dynamic"),
)
_STORAGE_TYPES: dict[str, Any] = {
    "string": "string",
    "number": "number",
    "boolean": "bool",
    "stringList": ["list", "string"],
    "numberList": ["list", "number"],
    "booleanList": ["list", "bool"],
    "stringMap": ["map", "string"],
    "numberMap": ["map", "number"],
    "booleanMap": ["map", "bool"],
}
_NESTING = {"struct": "single", "list": "list", "set": "set", "map": "map"}
# Collections of collections, which the getters read as "any" (interpolationForAttribute): the HCL
# entry's storage class still names the type.
_NESTED_STORAGE: dict[str, Any] = {
    "stringListList": ["list", ["list", "string"]],
    "stringListMap": ["map", ["list", "string"]],
    "stringMapList": ["list", ["map", "string"]],
    "stringMapMap": ["map", ["map", "string"]],
    "numberListList": ["list", ["list", "number"]],
}


@dataclass(frozen=True)
class HclInfo:
    is_block: bool
    kind: str
    storage: str
    value: str


@dataclass
class Field:
    name: str
    computed: bool
    optional: bool
    required: bool
    ref: str | None = None
    wraps_set: bool = False
    type: Any = None


@dataclass
class ClassInfo:
    base: str
    fields: list[Field] = field(default_factory=list)
    hcl: dict[str, HclInfo] = field(default_factory=dict)


def ts_source(js: str) -> str:
    m = re.search(r"sourceMappingURL=data:application/json;base64,(\S+)", js)
    if not m:
        raise ValueError("no inline source map")
    return str(json.loads(base64.b64decode(m.group(1)))["sourcesContent"][0])


def _hcl_entries(body: str) -> dict[str, HclInfo]:
    return {
        h.group(1): HclInfo(h.group(3) == "true", h.group(4), h.group(5), h.group(2))
        for h in _HCL_RE.finditer(body)
    }


def _parse(ts: str) -> tuple[dict[str, ClassInfo], dict[str, dict[str, HclInfo]]]:
    classes: dict[str, ClassInfo] = {}
    for m in _CLASS_RE.finditer(ts):
        name, base, body = m.groups()
        info = ClassInfo(base)
        for c in _COMMENT_RE.finditer(body):
            fname, comp, opt, req, following = c.groups()
            f = Field(fname, comp == "true", opt == "true", req == "true")
            new = _NEW_RE.search(following.split("\n")[0])
            if new:
                f.ref, f.wraps_set = new.group(1), new.group(2) == "true"
            else:
                f.type = next((ty for pat, ty in _GETTER_TYPES if pat in following), "dynamic")
            info.fields.append(f)
        info.hcl = _hcl_entries(body)
        classes[name] = info
    structs = {}
    for m in _HCLFN_RE.finditer(ts):
        fn = m.group(1)
        structs[fn[0].upper() + fn[1:]] = _hcl_entries(m.group(2))  # fooBarToHcl... -> FooBar
    return classes, structs


def _element(ref: str) -> tuple[str, str]:
    """(output-reference class, struct interface) of a reference to a nested type."""
    if ref.endswith("OutputReference"):
        return ref, ref[: -len("OutputReference")]
    for suffix in ("List", "Map"):
        if ref.endswith(suffix):
            base = ref[: -len(suffix)]
            return base + "OutputReference", base
    raise ValueError(f"unexpected nested type reference {ref}")


_ANY_IFACE_RE = re.compile(r"^export interface (\w+) (?:extends [\w.]+ )?\{\n(.*?)^\}\n", re.M | re.S)
_BLOCK_DOC_RE = re.compile(r"^  \* (\w+) block$", re.M)


def documented_blocks(ts: str) -> dict[str, set[str]]:
    """Per interface, the fields its doc comments call blocks ("* rule block"). The generator writes
    that line for block types only: a nested *attribute* (the plugin framework's SingleNested-
    Attribute and kin) has the same HCL entry (isBlock) but no such line."""
    return {m.group(1): set(_BLOCK_DOC_RE.findall(m.group(2))) for m in _ANY_IFACE_RE.finditer(ts)}


def _block(classes: dict[str, ClassInfo], structs: dict[str, dict[str, HclInfo]], cls: str,
           hcl: dict[str, HclInfo], docs: dict[str, set[str]] | None = None,
           iface_name: str = "") -> dict[str, Any]:  # fmt: skip
    attrs: dict[str, Any] = {}
    blocks: dict[str, Any] = {}
    for f in classes[cls].fields:
        flags = {k: True for k in ("required", "optional", "computed") if getattr(f, k)}
        h = hcl.get(f.name)
        if f.ref is not None:
            out_cls, iface = _element(f.ref)
            # Real nested blocks are never computed; a computed complex field is an attribute of
            # object type (SDKv2 "attributes as blocks", which Terraform accepts in block syntax).
            # A nested block of a data source has no HCL entry (nothing is written back) and no
            # flags (attributes always have one): a block, list-nested as the framework's are.
            flagless = h is None and not flags
            said_block = docs is None or f.name in docs.get(iface_name, set())
            if (h is not None and h.is_block and not f.computed and said_block) or flagless:
                sub = _block(classes, structs, out_cls, structs.get(iface, {}), docs, iface)
                kind = h.kind if h is not None else "set" if f.wraps_set else "list"
                if f.ref.endswith("Map"):
                    kind = "map"
                bt: dict[str, Any] = {"nesting_mode": _NESTING[kind], "block": sub}
                if f.ref.endswith("OutputReference") and kind == "list":
                    bt["max_items"] = 1
                if f.required:
                    bt["min_items"] = 1
                    if kind == "struct":  # Terraform: both 0 or both 1 in single mode
                        bt["max_items"] = 1
                blocks[f.name] = bt
                continue
            sub = _block(classes, structs, out_cls, structs.get(iface, {}), docs, iface)
            obj: Any = ["object", {k: v["type"] for k, v in sub["attributes"].items()}]
            for bname, bt2 in sub.get("block_types", {}).items():
                inner = ["object", {k: v["type"] for k, v in bt2["block"]["attributes"].items()}]
                obj[1][bname] = inner if bt2["nesting_mode"] == "single" else [bt2["nesting_mode"], inner]
            if f.ref.endswith("Map"):
                ty: Any = ["map", obj]
            elif f.ref.endswith("List"):
                kind = h.kind if h is not None else ("set" if f.wraps_set else "list")
                ty = [kind if kind in ("list", "set") else "list", obj]
            else:
                ty = obj
            attrs[f.name] = {"type": ty, **flags}
        else:
            ty = f.type
            if ty == "dynamic" and h is not None:  # the getter was untyped: the storage class is not
                ty = _STORAGE_TYPES.get(h.storage, _NESTED_STORAGE.get(h.storage, ty))
            if (
                h is not None
                and isinstance(ty, list)
                and h.kind in ("list", "set")
                and ty[0] in ("list", "set")
            ):
                ty = [h.kind, ty[1]]
            attrs[f.name] = {"type": ty, **flags}
    out: dict[str, Any] = {"attributes": attrs}
    if blocks:
        out["block_types"] = blocks
    return out


def extract_type(ts: str) -> tuple[str, str, dict[str, Any]]:
    """(``resource`` or ``data``, type name, schema) of one module's TypeScript."""
    m = _TYPE_NAME_RE.search(ts)
    if not m:
        raise ValueError("no tfResourceType")
    classes, structs = _parse(ts)
    top = [n for n, c in classes.items() if c.base in ("TerraformResource", "TerraformDataSource")]
    if len(top) != 1:
        raise ValueError(f"expected one resource or data source class, found {top}")
    kind = "data" if classes[top[0]].base == "TerraformDataSource" else "resource"
    cm = re.search(r"public constructor\(scope: Construct, id: string, config\??: (\w+)", ts)
    config = cm.group(1) if cm else top[0] + "Config"
    block = _block(classes, structs, top[0], classes[top[0]].hcl, documented_blocks(ts), config)
    return kind, m.group(1), {"version": 0, "block": block}


def _provider_block(ts: str, body: str, iface: str) -> dict[str, Any]:
    m = re.search(_IFACE_RE.format(iface), ts, re.M | re.S)
    optional = dict(re.findall(r"^  readonly (\w+)(\??):", m.group(1), re.M)) if m else {}
    attrs: dict[str, Any] = {}
    blocks: dict[str, Any] = {}
    for name, info in _hcl_entries(body).items():
        cm = re.search(r"(?:struct!\.|this\._)(\w+)\)", info.value)
        camel = cm.group(1) if cm else re.sub(r"_(\w)", lambda x: x.group(1).upper(), name)
        flags = {"optional": True} if optional.get(camel, "?") == "?" else {"required": True}
        if info.is_block or info.storage not in _STORAGE_TYPES:
            sub_iface = info.storage[:-4] if info.storage.endswith("List") else info.storage
            fm = re.search(
                rf"^export function \w+ToHclTerraform\(struct\?: {sub_iface}[^)]*\): any \{{\n(.*?)^\}}\n",
                ts,
                re.M | re.S,
            )
            if fm is None:
                raise ValueError(f"provider block {name}: no HCL function for {sub_iface}")
            bt: dict[str, Any] = {
                "nesting_mode": _NESTING[info.kind],
                "block": _provider_block(ts, fm.group(1), sub_iface),
            }
            if "required" in flags:
                bt["min_items"] = 1
            blocks[name] = bt
        else:
            ty = _STORAGE_TYPES[info.storage]
            if isinstance(ty, list) and info.kind in ("list", "set"):
                ty = [info.kind, ty[1]]
            attrs[name] = {"type": ty, **flags}
    attrs.pop("alias", None)  # a cdktf meta-argument, not a provider attribute
    out: dict[str, Any] = {"attributes": attrs}
    if blocks:
        out["block_types"] = blocks
    return out


def extract_provider(ts: str) -> dict[str, Any]:
    cm = re.search(r"^export class (\w+) extends cdktf\.TerraformProvider \{\n(.*?)^\}\n", ts, re.M | re.S)
    if cm is None:
        raise ValueError("no provider class")
    body = cm.group(2)
    body = body[body.index("synthesizeHclAttributes") :]
    return {"version": 0, "block": _provider_block(ts, body, cm.group(1) + "Config")}
