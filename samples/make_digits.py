"""Write the digits data of samples/digits.bp from an installed scikit-learn (run once;
backprop itself never needs scikit-learn): python samples/make_digits.py

scikit-learn's load_digits() is a copy of the test set of UCI's "Optical Recognition of
Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998): 1 797 images of 8×8 pixels, each
an integer from 0 to 16. The split is fixed: every 4th image (0, 4, 8, ...: 450 of
them) is for testing, the other 1 347 for training. Labels are written one-hot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
SOURCE = (f"# scikit-learn {sklearn.__version__}'s load_digits() (BSD-3-Clause), a copy of "
          "the test set of UCI's \"Optical Recognition of Handwritten Digits\" (E. Alpaydin, "
          "C. Kaynak, 1998; CC BY 4.0,\n# https://archive.ics.uci.edu/dataset/80). "
          "Written by samples/make_digits.py.\n")


def write(name: str, about: str, header: list[str], rows: np.ndarray) -> None:
    lines = [",".join(header), *(",".join(map(str, row)) for row in rows.tolist())]
    (HERE / name).write_text(SOURCE + f"# {about}\n" + "\n".join(lines) + "\n",
                             encoding="utf-8")


def main() -> None:
    digits = load_digits()
    images = digits.data.astype(int)  # 1797×64, row by row: pixel (r, c) is p{8r + c}
    onehot = np.eye(10, dtype=int)[digits.target]  # y{k} is 1 for an image of the digit k
    test = np.arange(len(images)) % 4 == 0
    pixels = [f"p{k}" for k in range(64)]
    labels = [f"y{k}" for k in range(10)]
    for part, rows in (("train", ~test), ("test", test)):
        n = int(rows.sum())
        which = "every 4th image (0, 4, 8, ...)" if part == "test" else \
            "the images not in the test part (not 0, 4, 8, ...)"
        write(f"digits_{part}_images.csv", f"{part}: {which}, {n} images of 8×8 pixels "
              "(0 to 16), a row each; pixel (row r, column c) is p{8r + c}", pixels,
              images[rows])
        write(f"digits_{part}_labels.csv", f"{part}: the digit of each image of "
              f"digits_{part}_images.csv, one-hot: y{{k}} is 1 for the digit k", labels,
              onehot[rows])


if __name__ == "__main__":
    main()
