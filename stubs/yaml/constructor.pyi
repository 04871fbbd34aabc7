from collections.abc import Callable
from typing import Any, TypeVar

from .error import Mark, MarkedYAMLError
from .nodes import MappingNode, Node

_C = TypeVar("_C", bound=SafeConstructor)

class ConstructorError(MarkedYAMLError):
    def __init__(
        self,
        context: str | None = None,
        context_mark: Mark | None = None,
        problem: str | None = None,
        problem_mark: Mark | None = None,
        note: str | None = None,
    ) -> None: ...

class SafeConstructor:
    def construct_object(self, node: Node, deep: bool = False) -> Any: ...
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]: ...
    @classmethod
    def add_constructor(cls: type[_C], tag: str, constructor: Callable[[_C, Any], Any]) -> None: ...
