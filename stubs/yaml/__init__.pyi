# Type stubs for the part of PyYAML that codegen uses. PyYAML ships no annotations.
from typing import IO, Any

from . import constructor as constructor
from . import resolver as resolver
from .constructor import SafeConstructor
from .error import Mark as Mark
from .error import MarkedYAMLError as MarkedYAMLError
from .error import YAMLError as YAMLError
from .nodes import MappingNode as MappingNode
from .nodes import Node as Node
from .resolver import Resolver

class SafeLoader(SafeConstructor, Resolver):
    def __init__(self, stream: str | bytes | IO[str] | IO[bytes]) -> None: ...

def load(stream: str | bytes | IO[str] | IO[bytes], Loader: type[SafeLoader]) -> Any: ...
def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any: ...
