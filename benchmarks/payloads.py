"""Benchmark payloads: real httpbin response dicts plus the standard JSON corpora.

httpbin payloads are produced by the stock httpbin 0.10.4 app through Flask's test client, with
browser-like request headers. Each payload is ``json.loads(response.data)``: the dict the view
hands to ``jsonify``. (httpbin builds its dicts in insertion order; Flask's provider sorts keys,
so the order does not change any sorted output compared here.)

The corpora (twitter, citm_catalog, canada, github) are read from ``../shared/data/json``
relative to the repo root (override with ``--corpus-dir``); when a file is missing its payload
is skipped with a reason instead of failing the run.
"""

from __future__ import annotations

import json
import logging
import lzma
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS_DIR = REPO_ROOT.parent / "shared" / "data" / "json"

HTTPBIN_PAYLOADS = ("get", "post", "anything")
CORPUS_PAYLOADS = ("twitter", "citm_catalog", "canada", "github")
ALL_PAYLOADS = HTTPBIN_PAYLOADS + CORPUS_PAYLOADS


@dataclass
class Payload:
    name: str
    source: str  # how it was produced, for the report
    obj: Any


@dataclass
class SkippedPayload:
    name: str
    reason: str


# What a desktop Chrome sends on a top-level navigation (plus a proxy's X-Forwarded-For).
BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36"
    ),
    "Accept": (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
    ),
    "Accept-Language": "en-US,en;q=0.9,de-DE;q=0.8,de;q=0.7,fr;q=0.6",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Cache-Control": "max-age=0",
    "Cookie": (
        "sessionid=8f2c1e9a7b3d4c6e9f0a1b2c3d4e5f60; csrftoken=Zq4rT8yW2uX6vB1nM5kL9pO3iU7yT2rE; "
        "_ga=GA1.1.1234567890.1716200000; theme=dark; consent=analytics%3Dfalse%2Cads%3Dfalse"
    ),
    "Dnt": "1",
    "Referer": "https://www.example.com/search?q=httpbin+json&source=hp",
    "Sec-Ch-Ua": '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
    "Sec-Ch-Ua-Mobile": "?0",
    "Sec-Ch-Ua-Platform": '"Windows"',
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-User": "?1",
    "Upgrade-Insecure-Requests": "1",
    "X-Forwarded-For": "203.0.113.7",
    "X-Request-Id": "4b3f7c0e-2d1a-4e8b-9c6f-5a7d8e9f0b1c",
}

# What a single-page app's fetch() sends with a JSON body.
API_HEADERS = {
    **{
        k: v
        for k, v in BROWSER_HEADERS.items()
        if k not in ("Upgrade-Insecure-Requests", "Sec-Fetch-User", "Cache-Control")
    },
    "Accept": "application/json, text/plain, */*",
    "Origin": "https://shop.example.com",
    "Referer": "https://shop.example.com/checkout/review",
    "Sec-Fetch-Dest": "empty",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "cross-site",
    "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl",
}

_PRODUCTS = (
    ("Espresso beans, dark roast", "coffee", 14.5),
    ("Pour-over kettle", "equipment", 39.9),
    ("Ceramic mug — 350 ml", "tableware", 12.0),
    ("Crème brûlée torch", "equipment", 24.75),
    ("Matcha powder 抹茶, ceremonial", "tea", 29.0),
    ("Oat milk, barista edition", "dairy-free", 3.49),
    ("Paper filters ×100", "equipment", 5.25),
    ("Grinder burr set", "spare-parts", 58.0),
    ("Chocolate 70% (Ecuador)", "snacks", 4.1),
    ("Gift card", "gift", 50.0),
    ("Cold brew bottle, 1 l", "equipment", 19.99),
    ("Descaler tablets", "maintenance", 8.95),
)


def post_body() -> dict[str, Any]:
    """A checkout request: nested, a few KB, mixed types, some non-ASCII text."""
    items = []
    for i, (name, category, price) in enumerate(_PRODUCTS):
        items.append(
            {
                "line": i + 1,
                "sku": f"SKU-{1000 + 37 * i:05d}",
                "name": name,
                "category": category,
                "quantity": 1 + i % 3,
                "unit_price": price,
                "discount": None if i % 3 else 0.1,
                "in_stock": i % 4 != 0,
                "tags": [category, "sale" if i % 2 else "new", f"batch-{i // 4}"],
                "attributes": {"weight_g": 125 * (i + 1), "fragile": i % 5 == 2},
            }
        )
    return {
        "order_id": "ord_2024_05_20_000123",
        "created_at": "2024-05-20T14:03:27.512Z",
        "currency": "EUR",
        "customer": {
            "id": 42,
            "name": "José Müller-Łukasiewicz",
            "email": "jose.mueller@example.org",
            "phone": "+49 30 1234567",
            "loyalty": {"tier": "gold", "points": 12840, "since": "2019-03-01"},
            "addresses": [
                {
                    "type": "shipping",
                    "street": "Straße des 17. Juni 135",
                    "city": "Berlin",
                    "postcode": "10623",
                    "country": "DE",
                },
                {
                    "type": "billing",
                    "street": "1 Rue de Rivoli",
                    "city": "Paris",
                    "postcode": "75001",
                    "country": "FR",
                },
            ],
        },
        "items": items,
        "shipping": {"method": "express", "cost": 6.9, "eta_days": [1, 2], "signature": False},
        "payment": {"method": "card", "brand": "visa", "last4": "4242", "3ds": True},
        "totals": {"subtotal": 312.62, "discount": 5.53, "tax": 58.35, "total": 371.44},
        "coupon_codes": ["SPRING24", "FREESHIP"],
        "notes": "Please leave the parcel at the door — ring twice 🚪, thanks!",
        "client": {"app": "web", "version": "5.18.2", "experiment_buckets": [3, 17, 42]},
    }


def _httpbin_client():
    # httpbin logs a warning at import time when flasgger is absent; keep stderr readable.
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        from httpbin import app
    finally:
        logging.disable(previous)
    return app.test_client()


def _httpbin_requests() -> dict[str, tuple[str, Callable[[Any], Any]]]:
    body = json.dumps(post_body(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    query = "q=flask+json&page=2&tag=coffee&tag=tea&utm_source=newsletter&utm_medium=email"
    return {
        "get": (
            "httpbin GET /get?a=1&b=two, browser headers",
            lambda c: c.get("/get?a=1&b=two", headers=BROWSER_HEADERS),
        ),
        "post": (
            f"httpbin POST /post, {len(body)} B nested JSON body, fetch() headers",
            lambda c: c.post(
                "/post", data=body, headers={**API_HEADERS, "Content-Type": "application/json"}
            ),
        ),
        "anything": (
            "httpbin GET /anything/orders/123?<6 params>, browser headers",
            lambda c: c.get(f"/anything/orders/123?{query}", headers=BROWSER_HEADERS),
        ),
    }


def load_payloads(
    names: tuple[str, ...] | list[str] = ALL_PAYLOADS,
    corpus_dir: Path = DEFAULT_CORPUS_DIR,
) -> tuple[list[Payload], list[SkippedPayload]]:
    """Build the requested payloads, in the order given; missing corpora are skipped."""
    loaded: list[Payload] = []
    skipped: list[SkippedPayload] = []
    client = None
    requests = _httpbin_requests()
    for name in names:
        if name in requests:
            if client is None:
                client = _httpbin_client()
            source, send = requests[name]
            response = send(client)
            if response.status_code != 200 or not response.is_json:
                raise RuntimeError(f"httpbin {name}: unexpected response {response.status}")
            loaded.append(Payload(name, source, json.loads(response.data)))
        elif name in CORPUS_PAYLOADS:
            path = Path(corpus_dir) / f"{name}.json.xz"
            if not path.is_file():
                skipped.append(SkippedPayload(name, f"corpus file not found: {path}"))
                continue
            with lzma.open(path) as f:
                data = f.read()
            loaded.append(Payload(name, f"corpus {path.name} ({len(data)} B)", json.loads(data)))
        else:
            raise ValueError(f"unknown payload {name!r}; choose from {', '.join(ALL_PAYLOADS)}")
    return loaded, skipped
