"""The Azure pricing rules (an explicit sorted tuple) and the known-free azurerm types."""

from __future__ import annotations

from costgate.pricing.rule import ResourceRule
from costgate.pricing.rules.azure import (
    azurerm_linux_virtual_machine,
    azurerm_managed_disk,
    azurerm_public_ip,
    azurerm_storage_account,
)

#: Every Azure rule, sorted by Terraform type.
RULES: tuple[ResourceRule, ...] = (
    azurerm_linux_virtual_machine.RULE,
    azurerm_managed_disk.RULE,
    azurerm_public_ip.RULE,
    azurerm_storage_account.RULE,
)

#: azurerm types that never cost anything by themselves (their cost, if any, is elsewhere).
#: Not listed on purpose: azurerm_lb and azurerm_lb_rule / azurerm_lb_nat_rule (Standard load
#: balancer rules are billed per hour), azurerm_key_vault (operations are billed),
#: azurerm_virtual_network_peering (billed per GB), azurerm_private_endpoint (billed per hour).
FREE: frozenset[str] = frozenset({
    "azurerm_application_security_group",
    "azurerm_availability_set",
    "azurerm_lb_backend_address_pool",
    "azurerm_lb_backend_address_pool_address",
    "azurerm_lb_nat_pool",
    "azurerm_lb_probe",
    "azurerm_management_lock",
    "azurerm_network_interface",
    "azurerm_network_interface_application_security_group_association",
    "azurerm_network_interface_backend_address_pool_association",
    "azurerm_network_interface_security_group_association",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
    "azurerm_private_dns_zone_virtual_network_link",
    "azurerm_proximity_placement_group",
    "azurerm_resource_group",
    "azurerm_role_assignment",
    "azurerm_role_definition",
    "azurerm_route",
    "azurerm_route_table",
    "azurerm_storage_container",  # its bytes are the storage account's storage_gb usage
    "azurerm_subnet",
    "azurerm_subnet_network_security_group_association",
    "azurerm_subnet_route_table_association",
    "azurerm_user_assigned_identity",
    "azurerm_virtual_machine_data_disk_attachment",  # the disk is priced on azurerm_managed_disk
    "azurerm_virtual_network",
})
