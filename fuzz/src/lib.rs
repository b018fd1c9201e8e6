//! sessconform's fuzz targets as plain functions (see [`targets`]).

pub mod targets;
