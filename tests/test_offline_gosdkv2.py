"""The Go SDKv2 schema translator (generator/offline/gosdkv2.py) on Go text written for these tests."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from generator.offline import goderive
from generator.offline.goparse import GoSchemaError, parse_consts, parse_funcs, tokenize
from generator.offline.gosdkv2 import Translator

HELPERS = """
package schema

import "github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

// textSchema is a helper with a bool parameter, as the provider writes them.
func textSchema(required bool, check schema.SchemaValidateFunc) *schema.Schema {
	return &schema.Schema{
		Type:         schema.TypeString,
		Required:     required,
		Optional:     !required,
		ValidateFunc: check,
	}
}

func countSchema(required bool) *schema.Schema {
	return &schema.Schema{Type: schema.TypeInt, Required: required, Optional: !required}
}

func flagSchema(required bool) *schema.Schema {
	return &schema.Schema{Type: schema.TypeBool, Required: required, Optional: !required, Computed: !required}
}

func keySchema() *schema.Schema {
	return &schema.Schema{ /* a comment with { braces } */
		Type:     schema.TypeList,
		MinItems: 1,
		MaxItems: 1,
		Required: true,
		Elem: &schema.Resource{
			Schema: map[string]*schema.Schema{
				"name":  textSchema(true, validation.StringLenBetween(1, 128)),
				"ratio": {Type: schema.TypeFloat, Optional: true, ValidateFunc: validation.FloatBetween(0, 1)},
			},
		},
	}
}
"""

ROOT = """
package schema

func WidgetSchema() *schema.Schema {
	return &schema.Schema{
		Type:     schema.TypeList,
		MaxItems: 1,
		Optional: true,
		ExactlyOneOf: []string{"widget", "source"},
		Elem: &schema.Resource{
			Schema: map[string]*schema.Schema{
				"key":   keySchema(),
				"label": textSchema(false, validation.StringInSlice([]string{"A", "B{"}, false)),
				"count": countSchema(true),
				"flag":  flagSchema(false),
				"need": {
					Type:     schema.TypeSet,
					Required: true,
					Elem: &schema.Resource{Schema: map[string]*schema.Schema{"id": flagSchema(true)}},
				},
				"parts": {
					Type:     schema.TypeSet,
					MinItems: 1,
					MaxItems: 50,
					Optional: true,
					Elem: &schema.Resource{
						Schema: map[string]*schema.Schema{
							"tags":  {Type: schema.TypeList, Optional: true, Elem: &schema.Schema{Type: schema.TypeString}},
							"sizes": {Type: schema.TypeMap, Optional: true, Elem: &schema.Schema{Type: schema.TypeInt}},
							"on":    {Type: schema.TypeBool, Optional: true, Computed: true},
							"secret": {Type: schema.TypeString, Optional: true, Sensitive: true},
						},
					},
				},
				"status": {
					Type:     schema.TypeList,
					Computed: true,
					Elem: &schema.Resource{
						Schema: map[string]*schema.Schema{
							"code": {Type: schema.TypeInt, Computed: true},
						},
					},
				},
				"check": {
					Type:     schema.TypeString,
					Optional: true,
					DiffSuppressFunc: func(k, old, new string, d *schema.ResourceData) bool {
						if old == "{" || new == '}' {
							return true
						}
						return false
					},
				},
			},
		},
	}
}

func (w *widget) Method() map[string]interface{} {
	return map[string]interface{}{"x": func() {}}
}

func flattenWidget(apiObject *Widget) []interface{} {
	if apiObject == nil {
		return nil
	}
	tfMap := map[string]interface{}{}
	return []interface{}{tfMap}
}

func pick[T any](xs []T, n int) T { return xs[n] }
"""


def test_translates_helpers_nesting_and_flags() -> None:
    got = Translator({"helpers.go": HELPERS, "root.go": ROOT}).function("WidgetSchema")
    assert got == {
        "block": {
            "nesting_mode": "list",
            "max_items": 1,
            "block": {
                "attributes": {
                    "check": {"type": "string", "optional": True},
                    "count": {"type": "number", "required": True},
                    "flag": {"type": "bool", "optional": True, "computed": True},
                    "label": {"type": "string", "optional": True},
                    "status": {"type": ["list", ["object", {"code": "number"}]], "computed": True},
                },
                "block_types": {
                    "key": {
                        "nesting_mode": "list",
                        "min_items": 1,
                        "max_items": 1,
                        "block": {
                            "attributes": {
                                "name": {"type": "string", "required": True},
                                "ratio": {"type": "number", "optional": True},
                            }
                        },
                    },
                    "need": {
                        "nesting_mode": "set",
                        "min_items": 1,
                        "block": {"attributes": {"id": {"type": "bool", "required": True}}},
                    },
                    "parts": {
                        "nesting_mode": "set",
                        "max_items": 50,
                        "block": {
                            "attributes": {
                                "on": {"type": "bool", "optional": True, "computed": True},
                                "secret": {"type": "string", "optional": True, "sensitive": True},
                                "sizes": {"type": ["map", "number"], "optional": True},
                                "tags": {"type": ["list", "string"], "optional": True},
                            }
                        },
                    },
                },
            },
        }
    }


def test_parses_functions_and_only_keeps_single_returns() -> None:
    funcs = parse_funcs(ROOT)
    assert set(funcs) == {"WidgetSchema", "flattenWidget", "pick"}  # the method is not a function
    assert funcs["flattenWidget"].body is None  # statements before the return
    assert funcs["flattenWidget"].params == ["apiObject"]
    assert parse_funcs(HELPERS)["textSchema"].params == ["required", "check"]


def test_tokens_keep_braces_in_strings_runes_and_comments() -> None:
    toks = [v for _, v in tokenize("x := \"{\" + '}' // {\n/* } */ `{`")]
    assert toks == ["x", ":=", '"{"', "+", "'}'", "`{`"]


def test_unknown_or_unsupported_function_is_an_error() -> None:
    with pytest.raises(GoSchemaError, match="keySchema: not found"):
        Translator({"root.go": ROOT}).function("WidgetSchema")
    with pytest.raises(GoSchemaError, match="flattenWidget: not a single return"):
        Translator({"root.go": ROOT}).function("flattenWidget")


def test_self_recursion_is_an_error_not_a_hang() -> None:
    loop = """
func nodeSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeList, Optional: true, Elem: &schema.Resource{
		Schema: map[string]*schema.Schema{"child": nodeSchema()}}}
}
"""
    with pytest.raises(GoSchemaError, match="calls itself"):
        Translator({"n.go": loop}).function("nodeSchema")


def test_config_mode_attr_makes_an_attribute() -> None:
    src = """
func tagsSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeList, Optional: true, ConfigMode: schema.SchemaConfigModeAttr,
		Elem: &schema.Resource{Schema: map[string]*schema.Schema{"k": {Type: schema.TypeString, Required: true}}}}
}
"""
    got = Translator({"t.go": src}).function("tagsSchema")
    assert got == {"attribute": {"type": ["list", ["object", {"k": "string"}]], "optional": True}}


def test_derive_writes_pinned_reproducible_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = tmp_path / "schema"
    pkg.mkdir()
    (pkg / "helpers.go").write_text(HELPERS)
    (pkg / "root.go").write_text(ROOT)
    # A test file is not part of the package's schema: reading it would redefine keySchema.
    (pkg / "root_test.go").write_text("func keySchema() *schema.Schema { return nil }\n")
    outs = [tmp_path / "a.json.gz", tmp_path / "b.json.gz"]
    for out in outs:
        argv = [
            str(pkg),
            "WidgetSchema",
            "keySchema",
            "--repository",
            "o/r",
            "--commit",
            "c" * 40,
            "--path",
            "x/schema",
        ]
        assert goderive.main([*argv, "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    data = json.loads(gzip.decompress(outs[0].read_bytes()))
    assert data["shapes"]["WidgetSchema"] == Translator({"h.go": HELPERS, "r.go": ROOT}).function(
        "WidgetSchema"
    )
    assert data["source"]["functions"] == ["WidgetSchema", "keySchema"]
    assert data["source"]["commit"] == "c" * 40 and data["source"]["folder"] == "x/schema"
    assert data["source"]["files"] == {
        "helpers.go": hashlib.sha256(HELPERS.encode()).hexdigest(),
        "root.go": hashlib.sha256(ROOT.encode()).hexdigest(),
    }
    argv = [str(pkg), "NoSuchSchema", "--repository", "o/r", "--commit", "c", "--out", str(outs[0])]
    assert goderive.main(argv) == 2
    assert "NoSuchSchema: not found" in capsys.readouterr().err


NAMES = """
package names

const (
	AttrValue = "value" // a comment
	AttrType  string = "type"
	Computed  = iota
	Sum       = 1 + 2
)
"""

CONSTS = """
package schema

const rowsMaxItems = 200

const (
	attrOptional = false
	attrRequired = true
	attrKind     = "kind"
)

func enumSchema[T enum.Valueser[T]](required bool) *schema.Schema {
	return &schema.Schema{Type: schema.TypeString, Required: required, Optional: !required,
		ValidateDiagFunc: enum.Validate[T]()}
}

func rowsSchema(maxItems int) *schema.Schema {
	return &schema.Schema{Type: schema.TypeList, Optional: true, MaxItems: maxItems, Elem: rowResource()}
}

func rowResource() *schema.Resource {
	return &schema.Resource{Schema: map[string]*schema.Schema{
		names.AttrValue: {Type: schema.TypeFloat, Required: true},
		names.AttrType:  textSchema(false, nil),
		attrKind:        enumSchema[awstypes.Kind](attrRequired),
	}}
}

func TableSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeList, Optional: true, MaxItems: 1, Elem: &schema.Resource{
		Schema: map[string]*schema.Schema{"rows": rowsSchema(rowsMaxItems), "totals": rowsSchema(2)}}}
}
"""


def test_constants_name_keys_and_counts() -> None:

    assert parse_consts(NAMES) == {"AttrValue": "value", "AttrType": "type"}
    assert parse_consts(CONSTS) == {
        "rowsMaxItems": 200,
        "attrOptional": False,
        "attrRequired": True,
        "attrKind": "kind",
    }
    got = Translator({"names/attr.go": NAMES, "helpers.go": HELPERS, "table.go": CONSTS}).function(
        "TableSchema"
    )
    row = {
        "attributes": {
            "kind": {"type": "string", "required": True},
            "type": {"type": "string", "optional": True},
            "value": {"type": "number", "required": True},
        }
    }
    assert got["block"]["block"]["block_types"] == {
        "rows": {"nesting_mode": "list", "max_items": 200, "block": row},
        "totals": {"nesting_mode": "list", "max_items": 2, "block": row},
    }
    with pytest.raises(GoSchemaError, match="not a string literal"):
        Translator({"helpers.go": HELPERS, "table.go": CONSTS}).function("TableSchema")


def test_a_flag_it_cannot_evaluate_is_an_error_not_a_guess() -> None:
    src = """
func oddSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeString, Required: isRequired()}
}
"""
    with pytest.raises(GoSchemaError, match="Required is not a boolean"):
        Translator({"o.go": src}).function("oddSchema")
