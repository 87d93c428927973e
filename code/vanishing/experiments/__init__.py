"""The measurements each chapter shows, one module per chapter; results are frozen dataclasses."""
