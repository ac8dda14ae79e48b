package main

test_not_evaluated_by_validate if false
