"""The warm model holder: each worker process keeps its boosters in memory and swaps on change.

Resolution order for a model version: process memory → the Redis artifact
cache (1-hour TTL, digest checked against the registry's tag) → the MLflow
registry. Which version an alias means is a Redis GET per task (published by
whoever moves the alias), falling back to the registry when the key is absent,
so a promotion or rollback reaches every worker before its next task.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import redis
from mlflow.exceptions import MlflowException

from prospects import config, registry
from prospects.ab import NO_VERSION, parse_alias
from prospects.errors import ModelUnavailableError, NoChampionError
from prospects.jobs import ALIAS_TTL_SECONDS, PREFIX, alias_key
from prospects.serving.loaded import LoadedModel

log = logging.getLogger(__name__)
ARTIFACT_TTL_SECONDS = 3600
KEEP_VERSIONS = 4  # champion, challenger, and the ones just replaced (for a quick rollback)


def artifact_key(name: str, version: int) -> str:
    return f"{PREFIX}:model:{name}:{version}:ubj"


class ModelHolder:
    """Boosters by version, in this process, loaded lazily and kept warm."""

    def __init__(self, redis_client: redis.Redis, name: str | None = None):
        self.redis = redis_client
        self.name = name or config.model_name()
        self._versions: OrderedDict[int, LoadedModel] = OrderedDict()
        self._aliases: dict[str, int | None] = {}  # the last answer for each alias
        self._lock = threading.Lock()
        self._mlflow = None

    @property
    def mlflow(self):  # type: ignore[no-untyped-def]
        if self._mlflow is None:
            self._mlflow = registry.client()
        return self._mlflow

    def resolve(self, alias: str = registry.CHAMPION) -> int | None:
        """The version ``alias`` points at now: Redis first, the registry on a miss.

        With the registry unreachable, the version this process last resolved
        stands: an alias only moves through the registry, so it cannot have
        moved meanwhile, and a warm model keeps serving through an MLflow outage.
        """
        try:
            raw = self.redis.get(alias_key(alias))
        except redis.RedisError:
            raw = None
        known, version = parse_alias(raw)
        if known:
            self._aliases[alias] = version
            return version  # a version, or "none": the alias is known not to exist
        try:
            ref = registry.get_alias(self.mlflow, alias, self.name)
        except MlflowException as exc:
            if alias in self._aliases:
                log.warning("registry unreachable; %s stays v%s", alias, self._aliases[alias])
                return self._aliases[alias]
            raise ModelUnavailableError(f"the model registry is unreachable: {exc}") from exc
        self._aliases[alias] = ref.version if ref is not None else None
        if ref is None:
            try:  # remember the absence as briefly as a version (the API reads it too)
                self.redis.set(alias_key(alias), NO_VERSION, ex=ALIAS_TTL_SECONDS)
            except redis.RedisError:
                pass
            return None
        try:
            self.redis.set(alias_key(alias), str(ref.version), ex=ALIAS_TTL_SECONDS)
        except redis.RedisError:
            pass
        return ref.version

    def get(self, alias: str = registry.CHAMPION) -> LoadedModel:
        """The warm model for ``alias``, loading it if the alias moved since the last task."""
        version = self.resolve(alias)
        if version is None:
            if alias == registry.CHAMPION:
                raise NoChampionError(
                    "no model is registered as champion yet: run `callup train` first"
                )
            raise ModelUnavailableError(f"no model holds the alias {alias!r}")
        return self.version(version)

    def version(self, version: int) -> LoadedModel:
        """A specific version, from memory, the Redis cache or the registry."""
        with self._lock:
            held = self._versions.get(version)
            if held is not None:
                self._versions.move_to_end(version)
                return held
            model = self._load(version)
            self._versions[version] = model
            while len(self._versions) > KEEP_VERSIONS:
                self._versions.popitem(last=False)
            log.info("model %s v%d loaded (%s)", self.name, version, model.digest[:12])
            return model

    def _load(self, version: int) -> LoadedModel:
        try:
            ref = registry.get_version(self.mlflow, version, self.name)
        except MlflowException as exc:
            raise ModelUnavailableError(
                f"model {self.name} v{version} is not available from the registry: {exc}"
            ) from exc
        expected = ref.tags.get(registry.DIGEST_TAG)
        raw = self._cached_bytes(version, expected)
        if raw is None:
            try:
                raw = registry.fetch_model_bytes(self.mlflow, ref)
            except (MlflowException, OSError) as exc:
                raise ModelUnavailableError(
                    f"model {self.name} v{version} artifacts could not be fetched: {exc}"
                ) from exc
            digest = registry.digest(raw)
            if expected and digest != expected:
                raise ModelUnavailableError(
                    f"model {self.name} v{version} artifact digest {digest[:12]} does not match "
                    f"the registry's {expected[:12]}"
                )
            try:
                self.redis.set(artifact_key(self.name, version), raw, ex=ARTIFACT_TTL_SECONDS)
            except redis.RedisError:
                pass
        return LoadedModel.from_bytes(self.name, version, raw, registry.digest(raw))

    def _cached_bytes(self, version: int, expected: str | None) -> bytes | None:
        """The artifact from Redis if present and intact; a tampered entry is dropped."""
        try:
            raw = self.redis.get(artifact_key(self.name, version))
        except redis.RedisError:
            return None
        if raw is None:
            return None
        if expected is None or registry.digest(raw) != expected:
            log.warning("cached artifact of %s v%d failed its digest check", self.name, version)
            try:
                self.redis.delete(artifact_key(self.name, version))
            except redis.RedisError:
                pass
            return None
        return raw
