"""The Google Cloud pricing rules (an explicit sorted tuple) and the known-free google types."""

from __future__ import annotations

from costgate.pricing.rule import ResourceRule
from costgate.pricing.rules.google import (
    google_compute_address,
    google_compute_disk,
    google_compute_instance,
    google_compute_router_nat,
    google_storage_bucket,
)

#: Every Google rule, sorted by Terraform type.
RULES: tuple[ResourceRule, ...] = (
    google_compute_address.RULE,
    google_compute_disk.RULE,
    google_compute_instance.RULE,
    google_compute_router_nat.RULE,
    google_storage_bucket.RULE,
)

#: Google types that never cost anything by themselves (their cost, if any, is on another type).
#: Not listed on purpose: google_compute_global_address (billed while unused),
#: google_compute_resource_policy (snapshot schedules create billed snapshots),
#: google_compute_forwarding_rule (billed per rule), google_kms_crypto_key (billed per version).
FREE: frozenset[str] = frozenset({
    "google_cloud_run_service_iam_binding",
    "google_cloud_run_service_iam_member",
    "google_cloud_run_service_iam_policy",
    "google_cloud_run_v2_service_iam_binding",
    "google_cloud_run_v2_service_iam_member",
    "google_cloud_run_v2_service_iam_policy",
    "google_compute_backend_service",  # load balancing is billed on forwarding rules and data
    "google_compute_disk_resource_policy_attachment",
    "google_compute_firewall",
    "google_compute_health_check",
    "google_compute_instance_iam_binding",
    "google_compute_instance_iam_member",
    "google_compute_instance_template",  # cost is on the instances a group creates from it
    "google_compute_managed_ssl_certificate",
    "google_compute_network",
    "google_compute_network_endpoint_group",
    "google_compute_network_peering",
    "google_compute_project_metadata",
    "google_compute_project_metadata_item",
    "google_compute_region_network_endpoint_group",
    "google_compute_route",
    "google_compute_router",  # Cloud Router is free; Cloud NAT is google_compute_router_nat
    "google_compute_router_interface",
    "google_compute_router_peer",
    "google_compute_shared_vpc_host_project",
    "google_compute_shared_vpc_service_project",
    "google_compute_ssl_certificate",
    "google_compute_ssl_policy",
    "google_compute_subnetwork",
    "google_compute_subnetwork_iam_binding",
    "google_compute_subnetwork_iam_member",
    "google_compute_target_http_proxy",
    "google_compute_target_https_proxy",
    "google_compute_url_map",
    "google_dns_record_set",  # zones and queries are billed on the managed zone
    "google_folder_iam_binding",
    "google_folder_iam_member",
    "google_iam_workload_identity_pool",
    "google_iam_workload_identity_pool_provider",
    "google_kms_crypto_key_iam_binding",
    "google_kms_crypto_key_iam_member",
    "google_kms_key_ring",
    "google_organization_iam_binding",
    "google_organization_iam_member",
    "google_project_default_service_accounts",
    "google_project_iam_audit_config",
    "google_project_iam_binding",
    "google_project_iam_custom_role",
    "google_project_iam_member",
    "google_project_iam_policy",
    "google_project_service",
    "google_pubsub_subscription_iam_member",
    "google_pubsub_topic_iam_binding",
    "google_pubsub_topic_iam_member",
    "google_secret_manager_secret_iam_binding",
    "google_secret_manager_secret_iam_member",
    "google_service_account",
    "google_service_account_iam_binding",
    "google_service_account_iam_member",
    "google_service_account_iam_policy",
    "google_service_account_key",
    "google_service_networking_connection",
    "google_storage_bucket_iam_binding",
    "google_storage_bucket_iam_member",
    "google_storage_bucket_iam_policy",
    "google_storage_bucket_object",  # its bytes are the bucket's storage_gb usage
})
