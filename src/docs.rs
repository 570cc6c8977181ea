//! Registry-layout documentation generated from the schemas (being written).
