"""Evaluating a Terraform configuration: variables, locals, modules, count/for_each, providers.

One :class:`ModuleInstance` per module instance (``module.app["blue"]``) is the evaluation
scope for its expressions: ``var.*`` come from the caller's arguments (or tfvars / flags /
``TF_VAR_*`` at the root) converted to the declared type, ``local.*`` are evaluated lazily
in dependency order (a cycle is a diagnostic), ``module.x.out`` evaluates the child's
outputs, resource and data-source attributes are unknown. :meth:`ModuleInstance.collect`
expands every managed resource into instances with addresses written exactly as Terraform
writes them, ready for :mod:`costgate.parse.hcl_plan`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.model.address import format_key
from costgate.model.resource import Diagnostic
from costgate.parse.hcl import MAX_FILE_BYTES, Body
from costgate.parse.hcl_eval import UNKNOWN, EvalError, Evaluator, has_unknown, to_num
from costgate.parse.hcl_expr import Node, parse_or_none
from costgate.parse.hcl_files import (
    ModuleSource,
    RawValue,
    is_local_source,
    read_module,
)
from costgate.parse.hcl_functions import FUNCTIONS
from costgate.parse.hcl_types import convert, is_primitive

_META_ATTRS = frozenset({"count", "for_each", "provider", "depends_on"})
_SKIP_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "precondition", "postcondition"})
_CALL_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
_MAX_MODULE_DEPTH = 32

Key = int | str | None


@dataclass
class ResourceInstance:
    """One expanded managed resource, values possibly holding UNKNOWN."""

    address: str
    module_address: str | None
    config_path: str
    type: str
    name: str
    index: Key
    provider_key: str
    provider_name: str
    values: dict[str, Any]
    sensitive: frozenset[str] = frozenset()  # attributes set straight from sensitive variables


@dataclass
class Run:
    """State shared by every module instance of one HCL evaluation."""

    root_dir: Path
    repo_root: Path
    root_values: dict[str, RawValue]
    workspace: str = "default"
    manifest: dict[str, Path] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    provider_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_tags: dict[str, Any] = field(default_factory=dict)
    resource_keys: dict[tuple[str, str, str], str] = field(default_factory=dict)
    module_calls: dict[str, str] = field(default_factory=dict)  # config path → source
    instances: list[ResourceInstance] = field(default_factory=list)
    _sources: dict[Path, ModuleSource] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def warn(self, code: str, message: str, address: str | None = None) -> None:
        """Record a diagnostic once."""
        if (code, message) not in self._seen:
            self._seen.add((code, message))
            self.diagnostics.append(
                Diagnostic(code=code, message=message, address=address, level="warning")
            )

    def source(self, directory: Path) -> ModuleSource:
        """The parsed module in ``directory`` (each directory is read once per run)."""
        if directory not in self._sources:
            rel = os.path.relpath(directory, self.root_dir)
            self._sources[directory] = read_module(directory, rel, self.warn)
        return self._sources[directory]


class ModuleInstance:
    """The evaluation scope of one module instance (implements ``hcl_eval.Scope``)."""

    def __init__(
        self,
        run: Run,
        src: ModuleSource,
        address: str = "",
        config_path: str = "",
        *,
        caller: ModuleInstance | None = None,
        inputs: dict[str, str] | None = None,
        call_env: dict[str, Any] | None = None,
        providers: dict[str, str] | None = None,
        chain: tuple[Path, ...] = (),
    ) -> None:
        self.run, self.src, self.address, self.config_path = run, src, address, config_path
        self.caller, self.inputs, self.call_env = caller, inputs or {}, call_env or {}
        self.chain = (*chain, src.dir)
        self.evaluator = Evaluator(self, FUNCTIONS)
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._busy: set[str] = set()
        self._modules: dict[str, Any] = {}
        self._resources: dict[str, Any] = {}
        self._managed = {(t, n): b for mode, t, n, b in src.resources if mode == "managed"}
        self.sensitive_vars = frozenset(
            n for n, d in src.variables.items() if d["attrs"].get("sensitive") == "true"
        )
        self._children: dict[str, tuple[str, list[tuple[Key, ModuleInstance]]] | None] = {}
        self.providers = dict(providers or {})
        self._setup_providers()

    # -- Scope ---------------------------------------------------------------------------

    def ref(self, root: str, attr: str | None) -> Any:
        """``var.x``, ``local.x``, ``module.x``, ``path.*``, ``terraform.workspace``; else unknown."""
        if attr is None:
            if root in ("count", "each"):
                raise EvalError(f"{root} is only valid in a block with {root}")
            raise EvalError(f"unknown name {root!r}")
        if root == "var":
            return self.var(attr)
        if root == "local":
            return self.local(attr)
        if root == "module":
            return self.module_value(attr)
        if root == "path":
            rel = os.path.relpath(self.src.dir, self.run.root_dir)
            paths = {"module": rel, "root": ".", "cwd": "."}
            if attr in paths:
                return paths[attr]
            raise EvalError(f"unknown attribute path.{attr}")
        if root == "terraform" and attr == "workspace":
            return self.run.workspace
        if root in ("count", "each"):
            raise EvalError(f"{root}.{attr} is only valid in a block with {root}")
        return self.resource_value(root, attr)

    def resource_value(self, type_: str, name: str) -> Any:
        """A managed resource as a whole: its instances are unknown, but how many there are
        is often known (``length(aws_eip.nat)``), so count gives a list of unknowns and
        for_each a map of unknowns. Data sources and undeclared names are unknown."""
        key = f"{type_}.{name}"
        if key in self._resources:
            return self._resources[key]
        body = self._managed.get((type_, name))
        if body is None or key in self._busy:
            return UNKNOWN
        self._busy.add(key)
        try:
            kind, items = self.expand(body, key)
        finally:
            self._busy.discard(key)
        value: Any = UNKNOWN
        if kind == "count":
            value = [UNKNOWN] * len(items)
        elif kind == "for_each":
            value = {str(k): UNKNOWN for k, _ in items}
        self._resources[key] = value
        return value

    def read_file(self, path: str) -> str:
        """``file(path)``: relative to the root module, confined to the repository."""
        target = Path(path) if os.path.isabs(path) else self.run.root_dir / path
        try:
            real = target.resolve(strict=True)
            if not real.is_relative_to(self.run.repo_root):
                raise EvalError(f"file({path!r}) is outside the repository; not read")
            if real.stat().st_size > MAX_FILE_BYTES:
                raise EvalError(f"file({path!r}) is over the 10 MB limit")
            return real.read_text(encoding="utf-8-sig")
        except (OSError, RuntimeError, UnicodeDecodeError) as exc:
            raise EvalError(f"file({path!r}) cannot be read ({type(exc).__name__})") from None

    # -- values --------------------------------------------------------------------------

    def where(self, what: str) -> str:
        """Address-like label for messages."""
        return f"{self.address}.{what}" if self.address else what

    def eval_attr(self, src: str, what: str, env: dict[str, Any] | None = None) -> Any:
        """Evaluate one attribute; any problem becomes a diagnostic and UNKNOWN."""
        try:
            return self.evaluator.source(src, env)
        except EvalError as exc:
            self.run.warn("hcl-eval", f"{self.where(what)}: {exc}; treated as unknown")
            return UNKNOWN
        except RecursionError:
            self.run.warn("hcl-eval", f"{self.where(what)}: too deeply nested; treated as unknown")
            return UNKNOWN

    def var(self, name: str) -> Any:
        """Value of ``var.name`` converted to its declared type."""
        if name in self._vars:
            return self._vars[name]
        decl = self.src.variables.get(name)
        if decl is None:
            raise EvalError(f"var.{name} is not declared")
        attrs = decl["attrs"]
        type_node = parse_or_none(attrs.get("type"))  # None: no constraint
        value: Any
        raw = self.run.root_values.get(name) if self.caller is None else None
        if raw is not None:
            kind, text = raw
            if kind == "str" and is_primitive(type_node):
                value = text
            else:
                value = self.eval_attr(text, f"var.{name} (value)")
        elif self.caller is not None and name in self.inputs:
            value = self.caller.eval_attr(self.inputs[name], f"module.{name}", self.call_env)
        elif "default" in attrs:
            value = self.eval_attr(attrs["default"], f"var.{name} (default)")
        else:
            self.run.warn("hcl-variable-unset",
                          f"{self.where('var.' + name)} has no value (set it with --var, "
                          "--var-file or a tfvars file); treated as unknown")
            value = UNKNOWN
        try:
            value = convert(value, type_node)
        except EvalError as exc:
            self.run.warn("hcl-eval", f"{self.where('var.' + name)}: {exc}; treated as unknown")
            value = UNKNOWN
        self._vars[name] = value
        return value

    def local(self, name: str) -> Any:
        """Value of ``local.name``; a reference cycle raises (and becomes a diagnostic)."""
        if name in self._locals:
            return self._locals[name]
        if name not in self.src.locals:
            raise EvalError(f"local.{name} is not declared")
        if name in self._busy:
            raise EvalError(f"local.{name} refers to itself (cycle between locals)")
        self._busy.add(name)
        try:
            value = self.eval_attr(self.src.locals[name], f"local.{name}")
        finally:
            self._busy.discard(name)
        self._locals[name] = value
        return value

    def module_value(self, name: str) -> Any:
        """``module.name``: its outputs (a list for count, a map for for_each)."""
        if name in self._modules:
            return self._modules[name]
        if name not in self.src.modules:
            raise EvalError(f"module.{name} is not declared")
        if f"module.{name}" in self._busy:
            raise EvalError(f"module.{name} refers to itself")
        self._busy.add(f"module.{name}")
        try:
            found = self.children(name)
            if found is None or found[0] == "unknown":
                value: Any = UNKNOWN
            else:
                kind, items = found
                outputs = [(key, child.outputs()) for key, child in items]
                if kind == "count":
                    value = [o for _, o in outputs]
                elif kind == "for_each":
                    value = {str(k): o for k, o in outputs}
                else:
                    value = outputs[0][1] if outputs else UNKNOWN
        finally:
            self._busy.discard(f"module.{name}")
        self._modules[name] = value
        return value

    def outputs(self) -> dict[str, Any]:
        """Every output of this instance (values may be UNKNOWN)."""
        return {
            name: self.eval_attr(body["attrs"]["value"], f"output.{name}")
            if "value" in body["attrs"] else None
            for name, body in self.src.outputs.items()
        }

    # -- expansion -----------------------------------------------------------------------

    def expand(self, body: Body, what: str, env: dict[str, Any] | None = None) -> tuple[
        str, list[tuple[Key, dict[str, Any]]]
    ]:
        """Instances of a counted / for_each block: (kind, [(key, bindings)])."""
        attrs = body["attrs"]
        unknown_count: tuple[str, list[tuple[Key, dict[str, Any]]]] = (
            "unknown", [(None, {"count": {"index": UNKNOWN}})])
        unknown_each: tuple[str, list[tuple[Key, dict[str, Any]]]] = (
            "unknown", [(None, {"each": {"key": UNKNOWN, "value": UNKNOWN}})])
        if "count" in attrs:
            value = self.eval_attr(attrs["count"], f"{what}.count", env)
            try:
                count = to_num(value) if value is not UNKNOWN else None
            except EvalError:
                count = None
            if count is None or count != count.to_integral_value() or count < 0:
                self._unknown_multiplicity(what, "count")
                return unknown_count
            return "count", [(i, {"count": {"index": Decimal(i)}}) for i in range(int(count))]
        if "for_each" in attrs:
            value = self.eval_attr(attrs["for_each"], f"{what}.for_each", env)
            if isinstance(value, dict):
                return "for_each", [(k, {"each": {"key": k, "value": value[k]}}) for k in sorted(value)]
            if isinstance(value, list) and not has_unknown(value):
                if all(isinstance(v, str) for v in value):
                    keys = sorted(set(value))
                    return "for_each", [(k, {"each": {"key": k, "value": k}}) for k in keys]
            self._unknown_multiplicity(what, "for_each")
            return unknown_each
        return "single", [(None, {})]

    def _unknown_multiplicity(self, what: str, arg: str) -> None:
        self.run.warn("hcl-unknown-count",
                      f"{self.where(what)}: {arg} is not known before apply (or not a valid "
                      "value); estimated as one instance")

    def children(self, name: str) -> tuple[str, list[tuple[Key, ModuleInstance]]] | None:
        """Instances of module call ``name`` (None when its source cannot be used)."""
        if name in self._children:
            return self._children[name]
        self._children[name] = None
        body = self.src.modules[name]
        call_path = f"{self.config_path}.module.{name}" if self.config_path else f"module.{name}"
        directory = self._module_dir(name, body, call_path)
        if directory is None:
            return None
        kind, items = self.expand(body, f"module.{name}")
        providers = self._child_providers(body)
        src = self.run.source(directory)
        inputs = {k: v for k, v in body["attrs"].items() if k not in _CALL_META}
        for key in inputs:
            if key not in src.variables:
                self.run.warn("hcl-eval", f"{self.where('module.' + name)}: argument {key!r} "
                              "is not a variable of the module; ignored")
        out = []
        for key, env in items:
            prefix = f"{self.address}." if self.address else ""
            address = f"{prefix}module.{name}{format_key(key)}"
            out.append((key, ModuleInstance(
                self.run, src, address, call_path, caller=self, inputs=inputs, call_env=env,
                providers=providers, chain=self.chain,
            )))
        self._children[name] = (kind, out)
        return kind, out

    def _module_dir(self, name: str, body: Body, call_path: str) -> Path | None:
        where = self.where(f"module.{name}")
        source_src = body["attrs"].get("source")
        source = self.eval_attr(source_src, f"module.{name}.source") if source_src else None
        if not isinstance(source, str):
            self.run.warn("hcl-module-source", f"{where}: source must be a literal string; skipped")
            return None
        self.run.module_calls[call_path] = source
        if len(self.chain) >= _MAX_MODULE_DEPTH:
            self.run.warn("hcl-module-cycle", f"{where}: modules nested too deeply; skipped")
            return None
        if is_local_source(source):
            try:
                directory = (self.src.dir / source).resolve(strict=True)
            except (OSError, RuntimeError):
                self.run.warn("hcl-module-missing",
                              f"{where}: source {source!r} does not exist (or is a symlink loop); "
                              "its resources are not estimated")
                return None
            if not directory.is_relative_to(self.run.repo_root):
                self.run.warn("hcl-module-outside-repo",
                              f"{where}: source {source!r} is outside the repository root; refused")
                return None
        else:
            key = ".".join(part for part in call_path.split(".") if part != "module")
            found = self.run.manifest.get(key)
            if found is None or not found.is_dir():
                self.run.warn("hcl-module-not-installed",
                              f"{where}: source {source!r} is not installed under "
                              ".terraform/modules (run terraform init); its resources are not "
                              "estimated")
                return None
            directory = found.resolve()
        if directory in self.chain:
            self.run.warn("hcl-module-cycle", f"{where}: module calls itself; skipped")
            return None
        return directory

    # -- providers -----------------------------------------------------------------------

    def _setup_providers(self) -> None:
        prefix = f"{self.config_path}:" if self.config_path else ""
        for name, body in self.src.providers:
            alias_src = body["attrs"].get("alias")
            alias = self.eval_attr(alias_src, f"provider.{name}.alias") if alias_src else None
            local = f"{name}.{alias}" if isinstance(alias, str) else name
            key = prefix + local
            self.providers[local] = key
            if key in self.run.provider_configs:
                continue
            entry: dict[str, Any] = {"name": name, "full_name": self.provider_name(name)}
            if isinstance(alias, str):
                entry["alias"] = alias
            if self.config_path:
                entry["module_address"] = self.config_path
            region_src = body["attrs"].get("region") or body["attrs"].get("location")
            region = self.eval_attr(region_src, f"provider.{name}.region") if region_src else None
            if isinstance(region, str) and region:
                entry["expressions"] = {"region": {"constant_value": region}}
            self.run.provider_configs[key] = entry
            for block in body["blocks"]:
                if block["type"] == "default_tags" and "tags" in block["body"]["attrs"]:
                    self.run.default_tags[key] = self.eval_attr(
                        block["body"]["attrs"]["tags"], f"provider.{name}.default_tags")

    def _child_providers(self, body: Body) -> dict[str, str]:
        src = body["attrs"].get("providers")
        if not src:
            return {k: v for k, v in self.providers.items() if "." not in k}
        node = parse_or_none(src) or ("lit", None)
        out: dict[str, str] = {}
        for key_node, value_node in node[1] if node[0] == "object" else ():
            child, parent = _traversal(key_node), _traversal(value_node)
            if child and parent:
                out[child] = self.providers.get(parent, parent)
        return out

    def provider_name(self, local: str) -> str:
        """Full provider address for a local provider name (``registry.terraform.io/…``)."""
        if local == "terraform":
            return "terraform.io/builtin/terraform"
        source = self.src.required_providers.get(local, "")
        parts = [p for p in source.lower().split("/") if p]
        if len(parts) == 2:
            return f"registry.terraform.io/{parts[0]}/{parts[1]}"
        if len(parts) == 3:
            return "/".join(parts)
        return f"registry.terraform.io/hashicorp/{local}"

    # -- resources -----------------------------------------------------------------------

    def collect(self) -> None:
        """Expand every managed resource of this instance and of its child modules."""
        for mode, type_, name, body in self.src.resources:
            if mode != "managed":
                continue
            what = f"{type_}.{name}"
            local = _traversal(parse_or_none(body["attrs"].get("provider")))
            local = local or type_.split("_", 1)[0]
            key = self.providers.get(local, local)
            self.run.resource_keys[(self.config_path, type_, name)] = key
            full_name = self.provider_name(local.split(".", 1)[0])
            sensitive = frozenset(
                k for k, src in body["attrs"].items()
                if any(re.search(rf"\bvar\.{re.escape(v)}\b", src) for v in self.sensitive_vars)
            )
            for index, env in self.expand(body, what)[1]:
                values = self.eval_body(body, env, f"{what}{format_key(index)}")
                prefix = f"{self.address}." if self.address else ""
                self.run.instances.append(ResourceInstance(
                    address=f"{prefix}{what}{format_key(index)}",
                    module_address=self.address or None, config_path=self.config_path,
                    type=type_, name=name, index=index, provider_key=key,
                    provider_name=full_name, values=values, sensitive=sensitive,
                ))
        for name in self.src.modules:
            found = self.children(name)
            for _, child in found[1] if found else ():
                child.collect()

    def eval_body(self, body: Body, env: dict[str, Any], what: str) -> dict[str, Any]:
        """Attributes and nested blocks (lists of objects), dynamic blocks expanded."""
        out: dict[str, Any] = {}
        for key, src in body["attrs"].items():
            if key not in _META_ATTRS:
                out[key] = self.eval_attr(src, f"{what}.{key}", env)
        for block in body["blocks"]:
            kind = block["type"]
            if kind in _SKIP_BLOCKS:
                continue
            if kind == "dynamic" and block["labels"]:
                self._dynamic(block, env, what, out)
                continue
            current = out.setdefault(kind, [])
            if isinstance(current, list):
                current.append(self.eval_body(block["body"], env, f"{what}.{kind}"))
        return out

    def _dynamic(self, block: dict[str, Any], env: dict[str, Any], what: str, out: dict[str, Any]) -> None:
        name, attrs = block["labels"][0], block["body"]["attrs"]
        iterator = _traversal(parse_or_none(attrs["iterator"])) if "iterator" in attrs else name
        coll = self.eval_attr(attrs.get("for_each", "null"), f"{what}.dynamic.{name}.for_each", env)
        contents = [b["body"] for b in block["body"]["blocks"] if b["type"] == "content"]
        if coll is UNKNOWN or not isinstance(coll, (list, dict)) or not contents:
            if coll is not None:
                self.run.warn("hcl-unknown-dynamic", f"{self.where(what)}: dynamic block "
                              f"{name!r} has an unknown for_each; its blocks are unknown")
                out[name] = UNKNOWN
            return
        items = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll))
        current = out.setdefault(name, [])
        if not isinstance(current, list):
            return
        for key, value in items:
            inner = {**env, iterator or name: {"key": Decimal(key) if isinstance(key, int) else key,
                                               "value": value}}
            current.append(self.eval_body(contents[0], inner, f"{what}.{name}"))


def _traversal(node: Node | None) -> str | None:
    """``aws.east`` from a traversal node (or a literal string key), else None."""
    if node is None:
        return None
    if node[0] == "var":
        return str(node[1])
    if node[0] == "attr":
        base = _traversal(node[1])
        return f"{base}.{node[2]}" if base else None
    if node[0] == "lit" and isinstance(node[1], str):
        return node[1]
    if node[0] == "tmpl" and len(node[1]) == 1:
        return _traversal(node[1][0])
    return None
