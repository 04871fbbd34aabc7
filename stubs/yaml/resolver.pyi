class BaseResolver:
    DEFAULT_MAPPING_TAG: str

class Resolver(BaseResolver): ...
