"""What an office hands over: the input contract, cell parsing, encodings, personal data, the loader with its rejects, writing input files, and the rulebook."""
