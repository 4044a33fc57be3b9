"""hashicorp/random offline: values drawn from a generator seeded by the configuration, so the
same configuration gets the same values and a change of `keepers` (or any argument) a new one."""

from __future__ import annotations

import base64
import string
import uuid

from generator.offline.utility.behaviour import (
    Apply,
    Context,
    DataSource,
    Diags,
    Resource,
    Values,
    at_least,
    error,
    known,
    warning,
)

ADVERBS = (
    "abruptly", "actually", "badly", "boldly", "briefly", "calmly", "closely", "deeply", "eagerly",
    "early", "easily", "equally", "evenly", "fairly", "finally", "firmly", "freely", "gently",
    "gladly", "happily", "highly", "honestly", "jointly", "kindly", "largely", "lightly", "loosely",
    "mainly", "merely", "mostly", "neatly", "nicely", "openly", "partly", "politely", "quickly",
    "quietly", "rapidly", "rarely", "really", "seemingly", "simply", "slowly", "smoothly",
    "strongly", "surely", "swiftly", "totally", "truly", "vastly", "warmly", "wildly", "wisely",
)  # fmt: skip
ADJECTIVES = (
    "able", "active", "adapted", "alert", "amazing", "amused", "apt", "awake", "big", "brave",
    "bright", "busy", "calm", "capable", "careful", "charming", "clean", "clever", "cool", "cosmic",
    "crisp", "curious", "daring", "dear", "decent", "eager", "easy", "enabled", "epic", "exact",
    "fair", "famous", "fast", "fine", "firm", "fit", "fluent", "fond", "free", "fresh", "funny",
    "gentle", "giving", "glad", "golden", "good", "grand", "great", "happy", "hardy", "helpful",
    "holy", "honest", "humble", "ideal", "immune", "keen", "kind", "large", "lasting", "legal",
    "lucky", "magical", "main", "merry", "modern", "moral", "native", "neat", "nice", "noble",
    "normal", "open", "optimal", "patient", "perfect", "pleasant", "polite", "present", "pretty",
    "proper", "quick", "rapid", "ready", "real", "relaxed", "rich", "right", "robust", "safe",
    "sharp", "shining", "smart", "smooth", "solid", "steady", "strong", "sunny", "super", "sure",
    "sweet", "tender", "tidy", "true", "trusted", "valid", "vital", "warm", "whole", "wise", "witty",
)  # fmt: skip
ANIMALS = (
    "alpaca", "anteater", "antelope", "badger", "bat", "beagle", "bear", "beaver", "bee", "bison",
    "bluejay", "boar", "bobcat", "buffalo", "bull", "camel", "cardinal", "caribou", "cat", "cheetah",
    "chicken", "chipmunk", "cobra", "condor", "cougar", "cow", "coyote", "crab", "crane", "cricket",
    "crow", "deer", "dingo", "dodo", "dog", "dolphin", "donkey", "dove", "dragon", "duck", "eagle",
    "eel", "elephant", "elk", "emu", "falcon", "ferret", "finch", "fish", "flamingo", "fox", "frog",
    "gazelle", "gecko", "gibbon", "giraffe", "goat", "goose", "gopher", "gorilla", "grouse",
    "hamster", "hare", "hawk", "hedgehog", "heron", "hippo", "hornet", "horse", "hound", "husky",
    "ibex", "iguana", "impala", "jackal", "jaguar", "jay", "kangaroo", "kid", "kit", "kite",
    "koala", "lab", "lamb", "lark", "lemming", "lemur", "leopard", "lion", "lizard", "llama",
    "lobster", "lynx", "macaw", "magpie", "mako", "mammoth", "marmot", "marten", "mastiff", "mink",
    "mole", "molly", "mongoose", "monkey", "moose", "moth", "mouse", "mule", "narwhal", "newt",
    "ocelot", "octopus", "orca", "osprey", "ostrich", "otter", "owl", "ox", "oyster", "panda",
    "panther", "parrot", "pelican", "penguin", "pheasant", "pig", "pigeon", "piranha", "platypus",
    "pony", "poodle", "porpoise", "possum", "puma", "quagga", "quail", "rabbit", "raccoon", "ram",
    "raven", "reindeer", "rhino", "robin", "rooster", "salmon", "seal", "shark", "sheep", "shrew",
    "skunk", "sloth", "snail", "snake", "sparrow", "spider", "squid", "starling", "stork", "swan",
    "tapir", "termite", "tiger", "toad", "tortoise", "toucan", "trout", "turkey", "turtle",
    "viper", "vulture", "wallaby", "walrus", "wasp", "weasel", "whale", "wolf", "wombat", "wren",
    "yak", "zebra",
)  # fmt: skip
SPECIAL = "!@#$%&*()-_=+[]{}<>:?"  # the providers' default special characters


def pet_name(ctx: Context, length: int, separator: str) -> str:
    rng = ctx.rng("pet")
    if length <= 0:
        return ""
    words = [rng.choice(ANIMALS)]
    if length >= 2:
        words.insert(0, rng.choice(ADJECTIVES))
    for _ in range(length - 2):
        words.insert(0, rng.choice(ADVERBS))
    return separator.join(words)


def _pet_apply(v: Values, ctx: Context) -> Diags:
    name = pet_name(ctx, int(v["length"]), v["separator"])
    v["id"] = f"{v['prefix']}{v['separator']}{name}" if v.get("prefix") else name
    return []


# ---- random_string and random_password
_CLASSES = (("upper", "min_upper", string.ascii_uppercase), ("lower", "min_lower", string.ascii_lowercase),
            ("numeric", "min_numeric", string.digits))  # fmt: skip


def _string_validate(cfg: Values) -> Diags:
    diags = at_least(cfg, "length", 1)
    mins = ("min_upper", "min_lower", "min_numeric", "min_special")
    length = cfg.get("length")
    if not diags and known(length):
        values = [cfg.get(m) for m in mins]
        if all(v is None or known(v) for v in values):
            total = sum(int(v or 0) for v in values)
            if length < total:
                diags.append(
                    error(
                        "Invalid Attribute Value",
                        f"Attribute length value must be at least sum of {' + '.join(mins)}, got: {int(length)}",
                        ["length"],
                    )
                )
    if cfg.get("number") is not None:
        diags.append(
            warning(
                "Attribute Deprecated", "**NOTE**: This is deprecated, use `numeric` instead.", ["number"]
            )
        )
    return diags


def random_string(v: Values, ctx: Context) -> str:
    rng = ctx.rng("string")
    override = v.get("override_special")
    special_chars: str = override if isinstance(override, str) else SPECIAL
    chars: list[str] = []
    pool = ""
    for flag, minimum, alphabet in (*_CLASSES, ("special", "min_special", special_chars)):
        if v.get(flag) or (flag == "numeric" and v.get("number")):
            pool += alphabet
            chars += [rng.choice(alphabet) for _ in range(int(v.get(minimum) or 0))] if alphabet else []
    length = int(v["length"])
    if pool:
        chars += [rng.choice(pool) for _ in range(max(0, length - len(chars)))]
    rng.shuffle(chars)
    return "".join(chars[:length])


def _bcrypt_hash(v: Values, ctx: Context) -> str:
    """A bcrypt hash in the modular crypt format ($2a$10$<salt><hash>). No bcrypt implementation is
    installed, so the digest part is derived with PBKDF2 and does not verify with bcrypt (said in
    the README); its shape and length are bcrypt's."""
    import hashlib

    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    salt = ctx.digest("salt")[:16]
    digest = hashlib.pbkdf2_hmac("sha256", v["result"].encode(), salt, 1000, 23)

    def enc(data: bytes, n: int) -> str:
        bits = int.from_bytes(data, "big")
        total = len(data) * 8
        return "".join(alphabet[(bits >> max(0, total - 6 * (i + 1))) & 63] for i in range(n))

    return f"$2a$10${enc(salt, 22)}{enc(digest, 31)}"


def _string_apply(password: bool) -> Apply:
    def apply(v: Values, ctx: Context) -> Diags:
        v["result"] = random_string(v, ctx)
        if v.get("override_special") is None:
            v["override_special"] = None
        if password:
            v["id"] = "none"
            v["bcrypt_hash"] = _bcrypt_hash(v, ctx)
        else:
            v["id"] = v["result"]
        return []

    return apply


_STRING_DEFAULTS = {"upper": True, "lower": True, "numeric": True, "number": True, "special": True,
                    "min_upper": 0, "min_lower": 0, "min_numeric": 0, "min_special": 0}  # fmt: skip


def _number_numeric(v: Values, config: Values, prior: Values | None) -> Diags:
    """`number` is the deprecated name of `numeric`: the one configured sets both."""
    for given, other in (("numeric", "number"), ("number", "numeric")):
        if config.get(given) is not None and config.get(other) is None:
            v[other] = config[given]
    return []


# ---- the others
def _id_apply(v: Values, ctx: Context) -> Diags:
    raw = ctx.digest("id")[: int(v["byte_length"])]
    while len(raw) < int(v["byte_length"]):
        raw += ctx.digest(f"id{len(raw)}")[: int(v["byte_length"]) - len(raw)]
    prefix = v.get("prefix") or ""
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    v.update(
        id=url,
        b64_url=prefix + url,
        b64_std=prefix + base64.b64encode(raw).decode(),
        hex=prefix + raw.hex(),
        dec=prefix + str(int.from_bytes(raw, "big")),
    )
    return []


def _integer_apply(v: Values, ctx: Context) -> Diags:
    low, high = int(v["min"]), int(v["max"])
    if high < low:
        return [
            error(
                "Create Random Integer Error",
                "The minimum (min) value needs to be smaller than or equal to maximum (max) value.",
            )
        ]
    rng = (
        ctx.rng("integer") if v.get("seed") is None else Context(f"seed:{v['seed']}", ctx.cwd).rng("integer")
    )
    v["result"] = rng.randint(low, high)
    v["id"] = str(v["result"])
    return []


def _uuid_apply(v: Values, ctx: Context) -> Diags:
    v["result"] = v["id"] = str(uuid.UUID(bytes=ctx.digest("uuid")[:16], version=4))
    return []


def _shuffle_apply(v: Values, ctx: Context) -> Diags:
    items = list(v.get("input") or [])
    rng = (
        ctx.rng("shuffle") if v.get("seed") is None else Context(f"seed:{v['seed']}", ctx.cwd).rng("shuffle")
    )
    rng.shuffle(items)
    count = v.get("result_count")
    if count is not None:
        items = [items[i % len(items)] for i in range(int(count))] if items else []
    v.update(result=items, id="-")
    return []


def _bytes_apply(v: Values, ctx: Context) -> Diags:
    raw = b"".join(ctx.digest(f"bytes{i}") for i in range(int(v["length"]) // 32 + 1))[: int(v["length"])]
    v.update(base64=base64.b64encode(raw).decode(), hex=raw.hex())
    return []


RESOURCES: dict[str, Resource] = {
    "random_pet": Resource(defaults={"length": 2, "separator": "-"}, apply=_pet_apply),
    "random_string": Resource(
        defaults=_STRING_DEFAULTS, validate=_string_validate, plan=_number_numeric, apply=_string_apply(False)
    ),
    "random_password": Resource(
        defaults=_STRING_DEFAULTS, validate=_string_validate, plan=_number_numeric, apply=_string_apply(True)
    ),
    "random_id": Resource(validate=lambda c: at_least(c, "byte_length", 1), apply=_id_apply),
    "random_integer": Resource(apply=_integer_apply),
    "random_uuid": Resource(apply=_uuid_apply),
    "random_shuffle": Resource(apply=_shuffle_apply),
    "random_bytes": Resource(validate=lambda c: at_least(c, "length", 1), apply=_bytes_apply),
}
DATA_SOURCES: dict[str, DataSource] = {}
