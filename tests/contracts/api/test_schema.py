"""The OpenAPI schema of the catalogue-side endpoints."""

from __future__ import annotations

from partners.models import Tier


def test_the_openapi_schema_describes_the_catalogue_endpoints(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    paths = schema["paths"]
    for path in [
        "/api/v1/offerings/",
        "/api/v1/offerings/{id}/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/customers/{id}/sites/",
        "/api/v1/assets/",
        "/api/v1/assets/{id}/",
        "/api/v1/entitlements/",
        "/api/v1/contracts/",
        "/api/v1/contracts/{id}/",
        "/api/v1/contracts/{id}/cancel/",
        "/api/v1/contracts/{id}/activate/",
        "/api/v1/contracts/{id}/renew/",
        "/api/v1/contracts/{id}/credits/",
        "/api/v1/contracts/{id}/credits/consume/",
    ]:
        assert path in paths, path
    entitlements = paths["/api/v1/entitlements/"]["get"]
    serial = next(p for p in entitlements["parameters"] if p["name"] == "serial")
    assert serial["required"] is True
    ok = entitlements["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["type"] == "array"
    sell_op = paths["/api/v1/contracts/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in sell_op["parameters"])
    components = schema["components"]["schemas"]
    assert {"offering", "customer", "assets", "starts_on"} <= set(
        components["ContractSellRequest"]["properties"]
    )
    assert {"id", "number", "partner", "status", "ends_on", "price_eur", "delivery_mode"} <= set(
        components["Contract"]["properties"]
    )
    assert {"may_sell", "may_deliver", "tier_to_sell", "onsite_hours"} <= set(
        components["Offering"]["properties"]
    )


def test_tiers_used_by_the_catalogue_exist(db):
    # The catalogue's tier codes are the programme's (a guard for the assertions above).
    assert set(Tier.objects.values_list("code", flat=True)) >= {"sell", "deliver", "expert"}
