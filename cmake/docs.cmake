# `cmake --build BUILD --target docs`: the API reference from include/ with Doxygen (Debian
# package doxygen), into BUILD/docs/html. Warnings are errors, so the headers stay clean.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND OR NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()
set(DOXYGEN_PROJECT_NAME rtmpcxx)
set(DOXYGEN_PROJECT_BRIEF "RTMP server and client library for C++20")
set(DOXYGEN_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/docs)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_EXTRACT_ALL YES)
set(DOXYGEN_WARN_IF_UNDOCUMENTED NO)
set(DOXYGEN_WARN_AS_ERROR YES)
set(DOXYGEN_QUIET YES)
set(DOXYGEN_RECURSIVE YES)
set(DOXYGEN_FULL_PATH_NAMES YES)
set(DOXYGEN_STRIP_FROM_PATH ${PROJECT_SOURCE_DIR}/include)
set(DOXYGEN_STRIP_FROM_INC_PATH ${PROJECT_SOURCE_DIR}/include)
set(DOXYGEN_FILE_PATTERNS *.hpp *.md)
set(DOXYGEN_USE_MDFILE_AS_MAINPAGE ${PROJECT_SOURCE_DIR}/docs/README.md)
# The headers' comments are plain `//` prose, shown as written.
set(DOXYGEN_JAVADOC_AUTOBRIEF NO)
doxygen_add_docs(docs ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/docs
  COMMENT "API reference (Doxygen) into ${PROJECT_BINARY_DIR}/docs/html")
