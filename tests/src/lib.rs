//! Black-box tests of the API live in `tests/api/` and compile as one test binary (`api`), which
//! starts the real server on a random port for each test. This library is intentionally empty.
