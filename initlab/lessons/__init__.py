"""Teaching helpers outside the live run: presets (the experiments menu), demos (the numbers the
guided notebooks draw), toys (2-D surfaces and small nets for one idea at a time) and
diagnosis_cases (+ _later) and exam (the assistant's exam: configurations whose diagnosis a TA
knows, and running them)."""
