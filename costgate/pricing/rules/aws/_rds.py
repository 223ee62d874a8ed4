"""RDS vocabulary: Terraform engine names → price attributes, and storage meters."""

from __future__ import annotations

from decimal import Decimal

from costgate.model.pricing import CostComponent, PriceQuery
from costgate.model.resource import Resource
from costgate.pricing.context import current
from costgate.pricing.rules.aws._common import RDS, aws_query, hours, no_query

#: engine → (database_engine, database_edition or None, default license_model)
ENGINES: dict[str, tuple[str, str | None, str]] = {
    "mysql": ("MySQL", None, "No license required"),
    "postgres": ("PostgreSQL", None, "No license required"),
    "mariadb": ("MariaDB", None, "No license required"),
    "aurora": ("Aurora MySQL", None, "No license required"),
    "aurora-mysql": ("Aurora MySQL", None, "No license required"),
    "aurora-postgresql": ("Aurora PostgreSQL", None, "No license required"),
    # Oracle EE is BYOL only; SE2 can be either and we assume licence included (RDS console default).
    "oracle-ee": ("Oracle", "Enterprise", "Bring your own license"),
    "oracle-ee-cdb": ("Oracle", "Enterprise", "Bring your own license"),
    "oracle-se2": ("Oracle", "Standard Two", "License included"),
    "oracle-se2-cdb": ("Oracle", "Standard Two", "License included"),
    "oracle-se1": ("Oracle", "Standard One", "License included"),
    "oracle-se": ("Oracle", "Standard", "Bring your own license"),
    # SQL Server on RDS is licence included (BYOL only on RDS Custom).
    "sqlserver-ex": ("SQL Server", "Express", "License included"),
    "sqlserver-web": ("SQL Server", "Web", "License included"),
    "sqlserver-se": ("SQL Server", "Standard", "License included"),
    "sqlserver-ee": ("SQL Server", "Enterprise", "License included"),
}
LICENSES = {
    "license-included": "License included",
    "bring-your-own-license": "Bring your own license",
    "general-public-license": "No license required",
    "postgresql-license": "No license required",
}
#: storage_type → pricing-page metric suffix (``Database Storage Single AZ <suffix>``)
STORAGE_METERS = {
    "gp2": "General Purpose",
    "gp3": "General Purpose-GP3",
    "io1": "Provisioned IOPS",
    "io2": "Provisioned IOPS-IO2",
    "standard": "Magnetic",
}


def engine_attrs(engine: str, license_model: str | None) -> dict[str, str]:
    """Price attributes for an engine; raises ValueError for engines RDS does not have."""
    if engine not in ENGINES:
        raise ValueError(f"unknown RDS engine {engine!r}")
    name, edition, default_license = ENGINES[engine]
    attrs = {"database_engine": name,
             "license_model": LICENSES.get(license_model or "", default_license)}
    if edition:
        attrs["database_edition"] = edition
    return attrs


def instance_hours(
    region: str | None, instance_class: str | None, attrs: dict[str, str], multi_az: bool
) -> CostComponent:
    """Database instance hours (on-demand) for one instance."""
    deployment = "Multi-AZ" if multi_az else "Single-AZ"
    if instance_class is None:
        return no_query(f"Database instance (on-demand, {deployment})", "hours",
                        "instance class is unknown until apply")
    return CostComponent(
        name=f"Database instance (on-demand, {deployment}, {instance_class})", unit="hours",
        monthly_quantity=hours(),
        query=aws_query(RDS, region, family="Database Instance", instance_type=instance_class,
                        deployment_option=deployment, **attrs),
    )


def cluster_io_optimized(r: Resource) -> bool:
    """True when the instance's Aurora cluster uses I/O-Optimized storage (``aurora-iopt1``).

    The cluster is found through the plan context (by ``cluster_identifier`` value or
    reference); without one, standard storage (the provider default) is assumed.
    """
    ctx = current()
    if ctx is None:
        return False
    found = ctx.find("aws_rds_cluster", cluster_identifier=r.get("cluster_identifier"))
    found = found or ctx.referenced(r, "cluster_identifier", "aws_rds_cluster")
    return bool(found) and found[0].text("storage_type") == "aurora-iopt1"


def az_label(multi_az: bool, sql_server: bool) -> str:
    """The deployment part of RDS storage metric names."""
    if not multi_az:
        return "Single AZ"
    return "Multi AZ SQL Server Mirror" if sql_server else "Multi AZ"


def meter(region: str | None, name: str) -> PriceQuery:
    """An RDS pricing-page metric."""
    return aws_query(RDS, region, meter=name)


def gp3_baseline(engine: str, size_gb: Decimal) -> tuple[Decimal, Decimal]:
    """Included gp3 (IOPS, MiB/s): 12,000/500 from 400 GB (200 GB Oracle), else 3,000/125."""
    if engine.startswith("sqlserver"):
        return Decimal(3000), Decimal(125)
    threshold = Decimal(200) if engine.startswith("oracle") else Decimal(400)
    if size_gb >= threshold:
        return Decimal(12000), Decimal(500)
    return Decimal(3000), Decimal(125)
