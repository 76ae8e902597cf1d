#pragma once

#include "error.h"

#include <optional>
#include <utility>
#include <variant>

namespace Confab {

//! The outcome of a fallible call: a value or an Error. A thin wrapper over std::variant; no
//! exceptions cross slots or threads, so protobuf and SQL failures become an Error at the edge.
template<typename T>
class [[nodiscard]] Result
{
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) { }
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) { }

    [[nodiscard]] bool isOk() const { return m_state.index() == 0; }
    explicit operator bool() const { return isOk(); }

    [[nodiscard]] T &value() & { return std::get<0>(m_state); }
    [[nodiscard]] const T &value() const & { return std::get<0>(m_state); }
    // By value from a temporary: `for (auto &x : f().value())` must not dangle (the temporary
    // Result dies before the loop body runs).
    [[nodiscard]] T value() && { return std::get<0>(std::move(m_state)); }
    [[nodiscard]] const Error &error() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

//! A Result that carries no value: success, or an Error.
template<>
class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) { }

    [[nodiscard]] bool isOk() const { return !m_error.has_value(); }
    explicit operator bool() const { return isOk(); }
    [[nodiscard]] const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

} // namespace Confab
