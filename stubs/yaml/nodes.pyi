from typing import Any

from .error import Mark

class Node:
    tag: str
    value: Any
    start_mark: Mark
    end_mark: Mark

class ScalarNode(Node):
    value: str

class MappingNode(Node):
    value: list[tuple[Node, Node]]
