#include "cli/commands.hpp"

int main(int argc, char** argv) { return mixdown::cli::run(argc, argv); }
