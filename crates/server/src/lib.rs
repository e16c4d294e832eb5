//! HTTP: server-rendered pages and the JSON API. (Filled by the web platform issue.)
