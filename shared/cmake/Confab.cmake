# Build helpers shared by every Confab target: one place for warnings, defines and sanitizers.

# Applies the project's warnings, Qt defines and sanitizers to a target we own.
function(confab_target_defaults target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Woverloaded-virtual -Werror=return-type
        $<$<BOOL:${CONFAB_WERROR}>:-Werror>)
    target_compile_definitions(${target} PRIVATE
        QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_NO_FOREACH QT_NO_URL_CAST_FROM_STRING)
    if(CONFAB_SANITIZE)
        list(JOIN CONFAB_SANITIZE "," sanitizers)
        target_compile_options(${target} PRIVATE -fsanitize=${sanitizers} -fno-omit-frame-pointer
            -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=${sanitizers})
        if("thread" IN_LIST CONFAB_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
            # GCC 12's instrumentation trips its own flow analysis (std::variant in Result<T>).
            target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
        endif()
    endif()
endfunction()

# What the sanitizers need at run time: leak checks on, third-party suppressions (tests/lsan.supp).
# die_after_fork=0: the TLS tests run `openssl` (QProcess) from a process with threads, and the
# child only execs.
set(CONFAB_SANITIZER_ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp;TSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp second_deadlock_stack=1 die_after_fork=0")

# Adds one Qt Test binary (tests/<area>/tst_<name>.cpp) as one CTest test.
#   confab_add_test(tst_codec SOURCES tst_codec.cpp LIBRARIES Confab::Protocol [LABELS unit])
function(confab_add_test name)
    cmake_parse_arguments(arg "" "TIMEOUT" "SOURCES;LIBRARIES;LABELS" ${ARGN})
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()
    qt_add_executable(${name} ${arg_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${arg_LIBRARIES})
    confab_target_defaults(${name})
    add_test(NAME ${name} COMMAND ${name})
    confab_test_watchdog(watchdog ${arg_TIMEOUT})
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${arg_TIMEOUT}
        LABELS "${arg_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;${watchdog};${CONFAB_SANITIZER_ENVIRONMENT}")
endfunction()

# QtTest's own watchdog for a test given `timeout` seconds by CTest: a test function that hangs
# is aborted 20 s before CTest would kill the binary, so QtTest prints every thread's stack (with
# gdb, which installer/setup.sh installs) instead of the output just stopping.
function(confab_test_watchdog out timeout)
    math(EXPR ms "(${timeout} - 20) * 1000")
    set(${out} "QTEST_FUNCTION_TIMEOUT=${ms}" PARENT_SCOPE)
endfunction()
