"""The notation corpus: answers to bank exercises written as students write them (LaTeX, numpy/torch habits,
written maths, YAML accidents), each labelled by its mathematics, read by tests/test_notation_corpus.py.

``CORPUS[exercise][section][question]`` is a list of ``(answer, label)``: label ``ok`` (the mathematics is
right: status correct), a diagnosis code (status incorrect with that code), ``wrong`` (incorrect, no code
asserted) or ``invalid``. Answers in the seeds' chain-rule form (``dJ/dd dd/da``) lean on another
question's derivative symbol, as the answer policy of SPEC 7.2 allows.
Sections: ``answers``, ``shapes``, ``values``. An answer that is not a string is written to YAML as is.
"""
OK = "ok"

CORPUS = {
    "affine": {"answers": {
        "dJ/da": [
            (r"\frac{\partial J}{\partial c} \cdot W^\top", OK), (r"\frac{dJ}{dc} W^{\top}", OK),
            (r"\frac{\partial J}{\partial c} {W}^{T}", OK), (r"\left(W \frac{\partial J}{\partial c}^{\top}\right)^{\top}", OK),
            ("np.dot(dJ/dc, W.T)", OK), ("dJ/dc.dot(W.T)", OK), ("np.matmul(dJ/dc, W.T)", OK),
            ("matmul(dJ/dc, W.T)", OK), ("torch.mm(dJ/dc, W.t())", OK), ("dJ/dc @ W.transpose()", OK),
            ("np.dot(W, dJ/dc.T).T", OK), (r"\frac{\partial J}{\partial c} \cdot W", "dimension-error"),
            (r"-\frac{\partial J}{\partial c} W^\top", "sign-error"), ("np.dot(W, dJ/dc.T)", "transposed"),
            (r"\frac{\partial J}{\partial c} \odot W^\top", "elementwise-vs-matrix-product"),
            (r"\frac{dJ}{dc} \mathrm{V}^\top", "invalid"), (r"\frac{dJ}{dc} \foo W", "invalid"),
            (["dJ/dc W^T"], OK), (["- dJ/dc @ W^T"], "sign-error"), ({"dJ/dc": None}, "invalid"), (True, "invalid"),
        ],
        "dJ/dW": [
            (r"a^\top \frac{\partial J}{\partial c}", OK), (r"a^{\top} \cdot \frac{\partial J}{\partial c}", OK),
            (r"a^T \otimes \frac{dJ}{dc}", OK), (r"{a}^{\top} \frac{dJ}{dc}", OK),
            ("np.outer(a, dJ/dc)", OK), ("np.dot(a.T, dJ/dc)", OK), ("a.T.dot(dJ/dc)", OK),
            ("torch.matmul(a.T, dJ/dc)", OK), ("numpy.outer(a, dJ/dc)", OK),
            (r"\frac{\partial J}{\partial c}^\top a", "transposed"), ("np.outer(dJ/dc, a)", "transposed"),
            (r"\frac{1}{2} a^\top \frac{dJ}{dc}", "constant-factor"),
        ],
        "dJ/db": [
            (r"\frac{\partial J}{\partial c}", OK), (r"\frac{dJ}{dc}", OK), (r"\dfrac{\partial J}{\partial c}", OK),
            (r"\frac{\partial J}{\partial c} \mathbb{I}_m", OK), ("dJ/dc @ I_m", OK), ("dJ/dc Id_m", OK),
            ("dJ/dc 𝕀_m", OK), ("dJ/dc @ np.eye(m)", OK), (r"2\frac{dJ}{dc}", "constant-factor"),
            (r"-\frac{\partial J}{\partial c}", "sign-error"),
        ],
        "dc/da": [
            (r"W^\top", OK), (r"W^{\top}", OK), (r"W^{T}", OK), ("W.T", OK), ("np.transpose(W)", OK),
            ("W.transpose()", OK), (r"\mathbb{I}_m W^\top", OK), ("W", "transposed"),
        ],
        "dc/db": [
            (r"\mathbb{I}_m", OK), ("I_m", OK), ("Id_m", OK), ("𝕀_m", OK), ("np.eye(m)", OK), ("torch.eye(m)", OK),
            ("Eye(m)", OK), ("EYE(m)", OK), (r"\mathbb{1}_m", OK), ("I_n", "shape-mismatch"),
        ]},
        "shapes": {
            "c": [("1 x m", OK), ("m x 1 x 1", "shape-mismatch"), ("(1, m)", OK), ("m x 1", "shape-mismatch")],
            "dJ/dW": [("n x m", OK), ("n x 1 x m", "shape-mismatch"), ("R^{n x m}", OK), ("ℝ^(n×m)", OK)],
        }},
    "hadamard": {"answers": {
        "dJ/da": [
            (r"\frac{\partial J}{\partial c} \odot b", OK), (r"\frac{\partial J}{\partial c} \circ b", OK),
            ("dJ/dc * b", "elementwise-vs-matrix-product"), ("np.multiply(dJ/dc, b)", OK), ("dJ/dc .* b", OK),
            (r"b \odot \frac{dJ}{dc}", OK), (r"\frac{\partial J}{\partial c} \odot a", "wrong"),
            (r"\frac{\partial J}{\partial c}", "wrong"),
        ],
        "dJ/db": [
            (r"\frac{\partial J}{\partial c} \odot a", OK), ("torch.mul(dJ/dc, a)", OK),
            ("np.multiply(a, dJ/dc)", OK), ("a ⊙ dJ/dc", OK), ("dJ/dc ⊙ b", "wrong"),
        ],
        "dc/da": [
            (r"\operatorname{diag}(b)", OK), (r"\operatorname{diag}\left(b\right)", OK), ("np.diag(b)", OK),
            ("Diag(b)", OK), ("DIAG(b)", OK), ("np.diagflat(b)", OK), (r"\mathrm{diag}(b)", OK),
            (r"\text{diag}(b)", OK), ("diag(a)", "wrong"), ("b", "shape-mismatch"),
        ]}},
    "translation": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial c}", OK), (r"\frac{\partial J}{\partial c} \cdot I_n", OK),
                  (r"-\frac{dJ}{dc}", "sign-error")],
        "dJ/db": [(r"\frac{dJ}{dc}", OK), ("dJ/dc @ np.eye(n)", OK), ("dJ/dc Id_n", OK)],
        "dc/da": [("I_n", OK), (r"\mathbb{I}_n", OK), ("Id_n", OK), ("𝕀_n", OK), ("np.eye(n)", OK),
                  ("np.identity(n)", OK), ("2 I_n", "constant-factor")],
        }},
    "linear": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial b} W^\top", OK), ("np.dot(dJ/db, W.T)", OK), ("dJ/db.dot(W.T)", OK),
                  (r"\frac{\partial J}{\partial b} W", "dimension-error"), ("dJ/db @ W.T @ I_n", OK)],
        "dJ/dW": [(r"a^\top \frac{\partial J}{\partial b}", OK), ("np.outer(a, dJ/db)", OK),
                  ("a.T @ dJ/db", OK), ("np.outer(dJ/db, a)", "transposed")],
        "db/da": [(r"W^\top", OK), ("W.T", OK), ("np.transpose(W)", OK), ("W", "transposed")],
        }},
    "dense": {"answers": {
        "dJ/db": [
            (r"\frac{\partial J}{\partial c} \odot f'\left(a W + b\right)", OK), (r"\frac{dJ}{dc} \odot f'(a W + b)", OK), (r"\frac{dJ}{dc} \odot f'(aW + b)", "invalid"),
            ("dJ/dc * f'(a @ W + b)", "elementwise-vs-matrix-product"), ("np.multiply(dJ/dc, f'(np.dot(a, W) + b))", OK),
            (r"\frac{\partial J}{\partial c}", "missing-activation-derivative"),
        ],
        "dJ/da": [
            (r"\left(\frac{\partial J}{\partial c} \odot f'(a W + b)\right) W^\top", OK),
            ("np.dot(dJ/dc * f'(a.dot(W) + b), W.T)", "wrong"),
            ("np.dot(np.multiply(dJ/dc, f'(a.dot(W) + b)), W.T)", OK),
            ("(dJ/dc ⊙ f'(a W + b)) W.T", OK),
        ],
        "dJ/dW": [
            (r"a^\top \left(\frac{\partial J}{\partial c} \odot f'(a W + b)\right)", OK),
            ("np.outer(a, dJ/dc ⊙ f'(a @ W + b))", OK), ("a.T @ (dJ/dc ⊙ f'(a@W+b))", OK),
            ("np.outer(dJ/dc ⊙ f'(a @ W + b), a)", "transposed"),
        ],
        "dc/da": [
            (r"\operatorname{diag}\left(f'(a W + b)\right) W^\top", OK), ("np.diag(f'(a @ W + b)) @ W.T", OK),
            ("Diag(f'(a W + b)) W^T", OK), ("W^T", "missing-activation-derivative"),
        ]},
        "shapes": {"dJ/dW": [("n x m", OK), ("n x 1 x m", "shape-mismatch"), ("m x n", "shape-mismatch")],
                   "dJ/db": [("1 x m", OK), ("[1, m]", OK), ("m x 1 x 1", "shape-mismatch")]}},
    "batch-affine": {"answers": {
        "dJ/dY": [("dJ/dZ ⊙ (Y > 0)", OK), ("dJ/dZ * (Y > 0)", "elementwise-vs-matrix-product"),
                  ("np.multiply(dJ/dZ, Y > 0)", OK), ("dJ/dZ ⊙ (Y > 0).astype(float)", OK),
                  ("dJ/dZ ⊙ (0 < Y)", OK), ("dJ/dZ ⊙ np.heaviside(Y)", OK), ("dJ/dZ ⊙ relu'(Y)", OK),
                  (r"\frac{\partial J}{\partial Z} \odot \mathrm{step}(Y)", OK), ("dJ/dZ ⊙ (Y < 0)", "wrong"),
                  ("dJ/dZ", "missing-activation-derivative")],
        "dJ/dW": [("X.T @ dJ/dY", OK), ("np.dot(X.T, dJ/dY)", OK), (r"X^\top \frac{\partial J}{\partial Y}", OK),
                  ("X.T.dot(dJ/dY)", OK), ("dJ/dY.T @ X", "transposed")],
        "dJ/db": [("np.sum(dJ/dY, axis=0)", OK), ("sum(dJ/dY, axis=0)", OK), ("dJ/dY.sum(0)", OK),
                  ("dJ/dY.sum(axis=0)", OK), ("torch.sum(dJ/dY, dim=0)", OK),
                  ("np.sum(dJ/dY, axis=0, keepdims=True)", OK), ("ones(1, B) @ dJ/dY", OK),
                  (r"\sum\left(\frac{\partial J}{\partial Y}, 0\right)", OK), ("dJ/dY", "wrong"),
                  ("np.sum(dJ/dY, axis=1)", "wrong"), ("dJ/dY.sum()", "wrong")],
        "dJ/dX": [("dJ/dY @ W.T", OK), ("np.dot(dJ/dY, W.T)", OK), ("dJ/dY.dot(W.T)", OK),
                  (r"\frac{\partial J}{\partial Y} W^\top", OK), ("dJ/dY @ W", "dimension-error")]},
        "shapes": {"Y": [("B x m", OK), ("(B, m)", OK)], "dJ/db": [("1 x m", OK), ("m x 1 x 1", "shape-mismatch")]}},
    "jacobian-l2": {"answers": {
        "dL/dyhat": [("2(yhat - y)^T", OK), ("2(ŷ - y)^T", OK), ("2 (y_hat - y).T", OK),
                     (r"2\left(\hat{y} - y\right)^\top", OK), (r"2 (\hat y - y)^{\top}", OK),
                     ("2 * np.transpose(yhat - y)", OK), ("(yhat - y)^T", "constant-factor"), ("2(ŷ - y)", "transposed"),
                     ("-2(ŷ - y)^T", "sign-error"), ("2(y - ŷ)^T", "sign-error")],
        "dL/dy": [("-2(ŷ - y)^T", OK), ("2(y - ŷ)^T", OK), (r"-2\left(\hat{y} - y\right)^{\top}", OK),
                  (r"2 (y - \hat{y})^T", OK), ("2(ŷ - y)^T", "sign-error")],
        }},
    "jacobian-l1": {"answers": {
        "dL/dyhat": [("sign(ŷ - y)^T", OK), ("np.sign(yhat - y).T", OK), (r"\operatorname{sign}(\hat{y} - y)^\top", OK),
                     ("Sign(y_hat - y)^T", OK), ("sign(y - ŷ)^T", "sign-error")],
        "dL/dy": [("-sign(ŷ - y)^T", OK), ("np.sign(y - yhat).T", OK), ("sign(ŷ - y)^T", "sign-error")],
        }},
    "jacobian-cross-entropy": {"answers": {
        "dL/dp": [("[0, 0, -1/0.6, 0]", OK), ([0, 0, -1.6667, 0], OK), ([0, 0, "-1/0.6", 0], OK), ("[0, 0, 1/0.6, 0]", "wrong"), ("-(y / p)^T", OK), ("-(y ⊘ p)^T", OK),
                  (r"-\left(\frac{y}{p}\right)^\top", OK), ("-np.divide(y, p).T", OK), ("(y / p)^T", "sign-error"),
                  ("-y^T", "wrong")],
        }},
    "jacobian-elementwise": {"answers": {
        "dz/dx": [(r"\operatorname{diag}(f'(x))", OK), ("np.diag(f'(x))", OK), ("Diag(f'(x))", OK),
                  ("diag(f(x))", "wrong-activation-derivative")],
        "dL/dx": [(r"\frac{\partial L}{\partial z} \odot f'(x)^\top", OK), ("dL/dz @ np.diag(f'(x))", OK),
                  (r"\frac{\partial L}{\partial z} \operatorname{diag}\left(f'(x)\right)", OK),
                  ("dL/dz", "missing-activation-derivative")],
        }},
    "jacobian-softmax": {"answers": {
        "ds/dx": [(r"\operatorname{diag}(s) - s s^\top", OK), ("np.diag(s) - np.outer(s, s)", OK),
                  ("np.diag(s) - s @ s.T", OK), ("Diag(s) - s s^T", OK), ("diag(s)", "wrong"),
                  (r"\operatorname{diag}(s) + s s^\top", "wrong")],
        "dL/dx": [(r"s^\top \odot \left(\frac{\partial L}{\partial s} - \frac{\partial L}{\partial s} s\right)", OK),
                  ("dL/ds @ (np.diag(s) - np.outer(s, s))", OK), ("dL/ds @ (diag(s) - s s^T)", OK)],
        }},
    "layer": {"answers": {
        "dL/da": [(r"\frac{\partial L}{\partial z} \odot f'(a)", OK), ("np.multiply(dL/dz, f'(a))", OK),
                  ("dL/dz * f'(a)", "elementwise-vs-matrix-product"), ("dL/dz", "missing-activation-derivative")],
        "dL/dW": [(r"\frac{\partial L}{\partial a} x^\top", OK), ("np.outer(dL/da, x)", OK), ("dL/da @ x.T", OK),
                  ("np.dot(dL/da, x.T)", OK), ("np.outer(x, dL/da)", "transposed")],
        "dL/db": [(r"\frac{\partial L}{\partial a}", OK), ("dL/da", OK), ("dL/da.T", "wrong")],
        "dL/dx": [(r"W^\top \frac{\partial L}{\partial a}", OK), ("np.dot(W.T, dL/da)", OK), ("W.T.dot(dL/da)", OK),
                  ("W.T @ dL/da", OK), ("W @ dL/da", "dimension-error")],
        "dz/da": [(r"\operatorname{diag}(f'(a))", OK), ("np.diag(f'(a))", OK), ("DIAG(f'(a))", OK)],
        "da/dx": [("W", OK), (r"\mathbf{W}", OK), ("W.T", "transposed")],
        }},
    "neuron": {"answers": {
        "dL/da": [(r"\frac{\partial L}{\partial z} f'(a)", OK), (r"\frac{dL}{dz} \cdot f'(a)", OK),
                  ("dL/dz", "missing-activation-derivative")],
        "dL/dy": [("dL/da ones(n, 1)", OK), ("dL/da * np.ones(n, 1)", OK)],
        "dL/dw": [(r"\frac{\partial L}{\partial y} \odot x", OK), ("np.multiply(dL/dy, x)", OK),
                  ("dL/dy ⊙ w", "wrong")],
        "dL/dx": [(r"\frac{\partial L}{\partial y} \odot w", OK), ("w ⊙ dL/dy", OK), ("dL/dy ⊙ x", "wrong")],
        }},
    "mlp-pytorch": {"answers": {
        "dLoss/da3": [("2(a3 - y)", OK), ("2 (a_3 - y)", OK), (r"2\left(a_{3} - y\right)", OK), ("(a3 - y)", "constant-factor")],
        "dLoss/dW3": [("dLoss/da3 @ z2.T", OK), ("torch.mm(dLoss/da3, z2.t())", OK), ("dLoss/da_3 @ z_2^T", OK),
                      (r"\frac{\partial \mathrm{Loss}}{\partial a_{3}} z_{2}^{\top}", OK), ("np.outer(dLoss/da3, z2)", OK),
                      ("z2 @ dLoss/da3.T", "transposed")],
        "dLoss/da2": [("dLoss/dz2 ⊙ σ'(a2)", OK), ("dLoss/dz2 * σ(a2) * (1 - σ(a2))", "wrong"),
                      ("dLoss/dz2 ⊙ σ(a2) ⊙ (1 - σ(a2))", OK), ("dLoss/dz_2 ⊙ sigmoid'(a_2)", OK),
                      ("dLoss/dz2 ⊙ Sigmoid'(a2)", OK), (r"\frac{\partial Loss}{\partial z_2} \odot \sigma'(a_2)", OK),
                      ("dLoss/dz2", "missing-activation-derivative")],
        "dLoss/db1": [("dLoss/da1", OK), ("dLoss/da_1", OK), (r"\frac{\partial \mathrm{Loss}}{\partial a_1}", OK)],
        "dLoss/dx": [("W1.T @ dLoss/da1", OK), ("W_1^T dLoss/da_1", OK), ("torch.matmul(W1.t(), dLoss/da1)", OK),
                     (r"W_{1}^{\top} \frac{\partial \mathrm{Loss}}{\partial a_{1}}", OK), ("W1 @ dLoss/da1", "wrong")],
        }},
    "two-layer-sigmoid-l2": {"answers": {
        "dLoss/dz2": [("2(z2 - y)", OK), ("2 (z_2 - y)", OK), (r"2\left(z_2 - y\right)", OK), ("2(z₂ - y)", OK),
                      ("(z2 - y)", "constant-factor"), ("2(y - z2)", "sign-error")],
        "dLoss/dW2": [("z1.T @ dLoss/dz2", OK), ("np.outer(z1, dLoss/dz2)", OK), (r"z_1^\top \frac{\partial Loss}{\partial z_2}", OK),
                      ("z_1^T dLoss/dz_2", OK), ("np.outer(dLoss/dz2, z1)", "transposed")],
        "dLoss/dh1": [("dLoss/dz1 ⊙ σ(h1) ⊙ (1 - σ(h1))", OK), ("dLoss/dz1 ⊙ σ'(h1)", OK),
                      (r"\frac{\partial Loss}{\partial z_1} \odot \sigma'(h_1)", OK), ("dLoss/dz_1 ⊙ sigmoid'(h_1)", OK),
                      ("dLoss/dz1 ⊙ σ(h1)", "wrong-activation-derivative")],
        "dLoss/dx": [("dLoss/dh1 @ W1.T", OK), ("np.dot(dLoss/dh1, W1.T)", OK), ("dLoss/dh_1 W_1^T", OK),
                     (r"\frac{\partial Loss}{\partial h_1} W_1^\top", OK)],
        "dz1/dh1": [(r"\operatorname{diag}\left(\sigma'(h_1)\right)", OK), ("np.diag(σ(h1) ⊙ (1 - σ(h1)))", OK),
                    ("Diag(σ'(h_1))", OK), ("diag(sigmoid(h1))", "wrong-activation-derivative")],
        }},
    "activation-derivatives": {"answers": {
        "dz_tanh/dx": [("diag(1 - tanh²(x))", OK), ("diag(1 - tanh^2(x))", OK), (r"\operatorname{diag}(1 - \tanh^2(x))", OK),
                       (r"\operatorname{diag}\left(1 - \tanh^{2}\left(x\right)\right)", OK), ("np.diag(1 - np.tanh(x)**2)", OK),
                       ("diag(1 - Tanh(x)^2)", OK), ("Diag(TANH'(x))", "invalid"), ("diag(1 - tanh(x))", "wrong")],
        "dz_sigmoid/dx": [("diag(σ(x) ⊙ (1 - σ(x)))", OK), (r"\operatorname{diag}(\sigma'(x))", "invalid"),
                          ("diag(σ(x) - σ²(x))", OK), ("np.diag(sigmoid(x) * (1 - sigmoid(x)))", "wrong"),
                          ("diag(1/(1 + e^(-x)) ⊙ (1 - 1/(1 + e^(-x))))", OK), ("diag(Sigmoid(x) ⊙ (1 - Sigmoid(x)))", OK),
                          ("diag(σ(x))", "wrong")],
        "dz_relu/dx": [("diag(x > 0)", OK), ("np.diag(x > 0)", OK), ("diag((x > 0).astype(float))", OK),
                       ("diag(step(x))", OK), ("diag(ReLU'(x))", "invalid"), ("diag(relu(x))", "wrong")],
        "dz_sin/dx": [("diag(cos(x))", OK), (r"\operatorname{diag}(\cos(x))", OK), ("np.diag(np.cos(x))", OK),
                      ("diag(Cos(x))", OK), ("diag(sin(x))", "wrong")],
        "dz_cos/dx": [("-diag(sin(x))", OK), (r"-\operatorname{diag}\left(\sin x\right)", OK),
                      ("-np.diag(np.sin(x))", OK), ("diag(sin(x))", "sign-error")],
        "dz_softplus/dx": [("diag(σ(x))", OK), ("diag(1/(1 + e^(-x)))", OK), ("diag(1/(1 + exp(-x)))", OK),
                           (r"\operatorname{diag}\left(\frac{1}{1 + e^{-x}}\right)", OK), ("diag(e^x / (1 + e^x))", OK),
                           ("diag(softplus(x))", "wrong")],
        # the exercise forbids the built-in derivatives (forbid:), whatever their spelling
        "dz_elu/dx": [("diag(elu'(x, 1))", "invalid"), ("diag(ELU'(x, 1))", "invalid"),
                      ("diag((x > 0) + e^x ⊙ (x < 0))", OK)],
        "dJ/dα": [("sum(dJ/dz_prelu ⊙ x ⊙ (x < 0))", OK), ("np.sum(dJ/dz_prelu * x * (x < 0))", "wrong"),
                  (r"\sum\left(\frac{\partial J}{\partial z_{prelu}} \odot x \odot (x < 0)\right)", OK),
                  ("sum(dJ/dz_prelu ⊙ x)", "wrong")],
        }},
    "sigmoid-derivative": {"answers": {
        "ds/dp": [("-1/p^2", OK), ("-1/p²", OK), (r"-\frac{1}{p^2}", OK), ("-p^(-2)", OK), ("-0,5345", OK), ("-0.45", "wrong"),
                  ("1/p^2", "sign-error")],
        "ds/du": [("ds/de exp(u)", OK), ("ds/de e^u", "invalid"), ("-1/p^2 ⊙ exp(u)", OK), ("-e^u / p^2", "invalid"), (r"-\frac{\exp(u)}{p^{2}}", OK),
                  ("-0,1966", OK), ("-exp(u)/(1 + exp(u))^2", OK)],
        "ds/dx": [("e^(-x) / (1 + e^(-x))^2", "invalid"), (r"\frac{\exp(-x)}{(1 + \exp(-x))^2}", OK), ("σ(x)(1 - σ(x))", OK),
                  ("0,1966", OK), ("exp(-x) / (1 + exp(-x))^2", OK), ("-exp(-x) / (1 + exp(-x))^2", "sign-error")],
        },
        "values": {"s": [("0,7311", OK), ("0.7311", OK), ("0,5", "wrong")]}},
    "logistic-neuron": {"answers": {
        "df/dden": [("-1/den^2", OK), ("-1/den²", OK), (r"-\frac{1}{\mathrm{den}^2}", OK), ("-0,5344", OK)],
        "df/dt": [("-exp(t) / den^2", OK), ("-e^t / den^2", "invalid"), (r"-\frac{e^{t}}{den^{2}}", "invalid"), ("-0,1966", OK)],
        "df/dw0": [("f (1 - f) x0", OK), ("f(1-f) x_0", OK), ("σ(s) (1 - σ(s)) x_0", OK), ("-0,1966", OK),
                   ("0,1966", "wrong")],
        "df/dx0": [("f (1 - f) w_0", OK), ("0,3932", OK), ("f (1 - f) x_0", "wrong")],
        "df/dw2": [("f (1 - f)", OK), ("0,1966", OK), ("f", "wrong")],
        }},
    "cs231n-simple": {"answers": {
        "df/dq": [("z", OK), ("-4", OK), ("-4,0", OK), ("4", "wrong")],
        "df/dx": [("z", OK), ("-4", OK), ("−4", OK), ("-4,0", OK), ("4", "wrong"), ("q", "wrong")],
        "df/dz": [("x + y", OK), ("q", OK), ("3", OK), ("3,0", OK), ("-3", "wrong")],
        }},
    "colah-graph": {"answers": {
        "de/db": [("a + 2b + 1", OK), ("d + c", OK), ("5", OK), ("5,0", OK), ("d", "wrong")],
        "de/dc": [("d", OK), ("b + 1", OK), ("2", OK)],
        "de/da": [("b + 1", OK), ("d", OK), ("2,0", OK), ("3", "wrong")],
        }},
    "staged-backprop": {"answers": {
        "df/dden": [("-num/den^2", OK), (r"-\frac{num}{den^{2}}", OK), ("-num / den²", OK), ("-0,7916", OK)],
        "df/dxpy": [("-2 num xpy / den^2", OK), ("1,5832", OK), ("-num/den^2 * 2xpy", OK)],
        "df/dy": [("1,5922", OK), ("invden σ(y)(1 - σ(y)) - 2 num xpy / den^2", OK)],
        }},
    "linear-regression": {"answers": {
        "dJ/dθ": [(r"\frac{1}{m} X^\top (X \theta - y)", OK), ("X.T @ (X @ θ - y) / m", OK), ("1/m X^T (X theta - y)", OK),
                  ("np.dot(X.T, np.dot(X, theta) - y) / m", OK), (r"X^\top (X \theta - y)", "constant-factor"), (r"\frac{1}{m} X^\top (X\theta - y)", OK),
                  ("1/m X.T @ (X @ θ - y) / 2", "constant-factor")],
        "dJ/dr": [("r / m", OK), (r"\frac{1}{m} r", OK), ("(X θ - y)/m", OK), ("r", "constant-factor")],
        "dh/dθ": [("X", OK), (r"\mathbf{X}", OK), ("X.T", "transposed")],
        },
        "shapes": {"dJ/dθ": [("n x 1", OK), ("R^{n x 1}", OK), ("1 x n", "shape-mismatch")],
                   "r": [("m x 1", OK), ("m x 1 x 1", "shape-mismatch")]}},
    "softmax-cross-entropy": {"answers": {
        "dL/dz": [("p - y", OK), ("softmax(z) - y", OK), ("Softmax(z) - y", OK), ("y - p", "sign-error"),
                  (r"p - y", OK), (r"\operatorname{softmax}(z) - y", OK)],
        "dL/dp": [("-y / p", OK), ("-y ⊘ p", OK), (r"-\frac{y}{p}", OK), ("-np.divide(y, p)", OK), ("y / p", "sign-error")],
        "dp/dz": [("diag(p) - p^T p", OK), ("np.diag(p) - np.outer(p, p)", OK), (r"\operatorname{diag}(p) - p^\top p", OK),
                  ("diag(p)", "wrong")],
        }},
    "reused-node": {"answers": {
        "dJ/dx": [("dJ/dy ⊙ (2x + 3)", OK), (r"\frac{\partial J}{\partial y} \odot (2 x + 3)", OK),
                  ("np.multiply(dJ/dy, 2*x + 3)", OK), ("dJ/dy ⊙ (x + 3)", "wrong")],
        "dy/dx": [("diag(2x + 3)", OK), (r"\operatorname{diag}(2x + 3)", OK), ("np.diag(2*x + 3)", OK),
                  ("2 diag(x) + 3 I_n", OK), ("2 diag(x) + 3 Id_n", OK), ("diag(2x)", "wrong")],
        }},
    "function1": {"answers": {
        "dJ/da": [("3 dJ/dd b", OK), (r"3 \frac{\partial J}{\partial d} b", OK), (r"3 b \cdot \frac{dJ}{dd}", OK),
                  ("dJ/dd dd/da", OK), ("dJ/dd b", "constant-factor")],
        "dJ/dc": [("3 dJ/dd", OK), (r"3\frac{dJ}{dd}", OK), ("dJ/dd", "constant-factor")],
        "dd/da": [("3b", OK), ("3 b", OK), (r"3 \cdot b", OK), ("b", "constant-factor")],
        }},
    "function1-graph": {"answers": {
        "dJ/dv": [("3 dJ/dd", OK), (r"3 \frac{\partial J}{\partial d}", OK), ("dJ/dd dd/dv", OK)],
        "dJ/da": [("dJ/du b", OK), (r"\frac{\partial J}{\partial u} \cdot b", OK), ("3 dJ/dd b", OK),
                  ("dJ/dd dd/dv dv/du du/da", OK), ("dJ/du a", "wrong")],
        "du/da": [("b", OK), (r"\mathrm{b}", OK), ("a", "wrong")],
        }},
    "chain-rule": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial b} \frac{\partial b}{\partial a}", OK), (r"\frac{dJ}{db} \cdot \frac{db}{da}", OK),
                  ("np.dot(dJ/db, db/da)", OK), ("dJ/db.dot(db/da)", OK), ("db/da @ dJ/db", "wrong")],
        }, "shapes": {"db/da": [("m x n", OK), ("R^{m x n}", OK), ("n x m", "shape-mismatch"), ("m x 1 x n", "shape-mismatch")]}},
    "two-outputs": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial b} \frac{\partial b}{\partial a} + \frac{\partial J}{\partial c} \frac{\partial c}{\partial a}", OK),
                  ("np.dot(dJ/db, db/da) + np.dot(dJ/dc, dc/da)", OK), ("dJ/db.dot(db/da) + dJ/dc.dot(dc/da)", OK),
                  ("np.dot(dJ/db, db/da)", "missing-path")],
        }},
    "two-inputs": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial c} \cdot \frac{\partial c}{\partial a}", OK), ("np.dot(dJ/dc, dc/da)", OK)],
        "dJ/db": [(r"\frac{dJ}{dc} \frac{dc}{db}", OK), ("dJ/dc.dot(dc/db)", OK), ("dJ/dc @ dc/da", "wrong")],
        }},
    "two-in-two-out": {"answers": {
        "dJ/da": [(r"\frac{\partial J}{\partial c}\frac{\partial c}{\partial a} + \frac{\partial J}{\partial d}\frac{\partial d}{\partial a}", OK),
                  ("np.dot(dJ/dc, dc/da) + np.dot(dJ/dd, dd/da)", OK), ("dJ/dc @ dc/da", "missing-path")],
        }},
    "path-sum": {"answers": {
        "dL/df": [(r"\frac{\partial L}{\partial g}\frac{\partial g}{\partial f} + \frac{\partial L}{\partial h}\frac{\partial h}{\partial f}", OK),
                  ("dL/dg * dg/df + dL/dh * dh/df", OK), ("dL/dg dg/df", "missing-path")],
        }},
    "derivative-layouts": {"answers": {
        "dy/dz": [("(1 - tanh²(z))^T", OK), ("(1 - tanh^2(z)).T", OK), (r"\left(1 - \tanh^{2}(z)\right)^\top", OK),
                  ("(1 - np.tanh(z)**2).T", OK), ("tanh'(z)^T", OK), ("(1 - tanh(z))^T", "wrong")],
        "dz/dx": [("A", OK), (r"\mathbf{A}", OK), ("A.T", "transposed")],
        "dy/dA": [("(1 - tanh²(z)) x^T", OK), ("np.outer(1 - np.tanh(z)**2, x)", OK), ("np.outer(x, 1 - tanh(z)^2)", "transposed")],
        }},
    "jacobian-affine": {"answers": {
        "da/dx": [("W", OK), (r"\mathbf{W}", OK), ("W.T", "transposed")],
        "da/db": [("I_m", OK), (r"\mathbb{I}_m", OK), ("Id_m", OK), ("np.eye(m)", OK), ("I_n", "shape-mismatch")],
        "da/dW": [("I_m ⊗ x", OK), (r"\mathbb{I}_m \otimes x", OK), ("np.outer(I_m, x)", OK)],
        "dL/dx": [("dL/da @ W", OK), ("np.dot(dL/da, W)", OK), (r"\frac{\partial L}{\partial a} W", OK)],
        }},
    "mlp3-l2": {"answers": {
        "dL/dyhat": [("2(ŷ - y)^T", OK), ("2 (y_hat - y).T", OK), (r"2\left(\hat{y} - y\right)^\top", OK), ("2(yhat - y)^T", OK)],
        "dL/da3": [("dL/dŷ ⊙ fout'(a3)^T", OK), ("dL/dyhat ⊙ fout'(a_3)^T", OK), ("dL/dy_hat ⊙ fout'(a3).T", OK)],
        "dL/db3": [("dL/da3", OK), ("dL/da_3", OK), (r"\frac{\partial L}{\partial a_{3}}", OK)],
        "dL/dx": [("dL/da1 @ W1", OK), ("dL/da_1 W_1", OK), ("np.dot(dL/da1, W1)", OK), ("dL/da1 @ W1.T", "dimension-error")],
        }},
}


#: Notations of issue 9's second round, read as meant (norm and absolute-value bars, index sums, derivatives
#: named sigmoid_prime, numpy's shape tuples, clamp/clip, where, torch.mul, \sin x, X\theta) and refused
#: with the way to write them (W[0], ∇_c J, e^u where e is a node, tanh^{-1}), right and wrong alike.
MORE = {
    "affine": {"answers": {
        "dJ/da": [(r"\nabla_c J \cdot W^\top", "invalid"), ("dJ/dc @ W[0]", "invalid"), ("np.add(dJ/dc @ W.T, np.zeros((1, n)))", OK),
                  ("torch.mm(dJ/dc, W.t()) + torch.zeros((1, n))", OK), ("np.subtract(0, dJ/dc @ W.T)", "sign-error")],
        "dJ/db": [("np.ones((1, 1)) @ dJ/dc", OK), ("dJ/dc @ np.eye(m) + np.zeros((1, m))", OK), ("np.subtract(0, dJ/dc)", "sign-error"),
                  (r"\nabla_c J", "invalid")],
        "dc/db": [("np.eye(m) + np.zeros((m, m))", OK), ("np.ones((m, m))", "wrong")],
        "dJ/dW": [("np.outer(a, dJ/dc)[0]", "invalid"), ("torch.outer(a, dJ/dc)", OK)]}},
    "hadamard": {"answers": {
        "dJ/da": [("torch.mul(dJ/dc, b)", OK), ("torch.mul(dJ/dc, a)", "wrong")],
        "dJ/db": [("torch.mul(a, dJ/dc)", OK)]}},
    "batch-affine": {"answers": {
        "dJ/dY": [("np.where(Y > 0, dJ/dZ, 0)", OK), ("dJ/dZ ⊙ np.where(Y > 0, 1, 0)", OK), ("torch.where(Y > 0, dJ/dZ, 0)", OK),
                  ("np.where(Y > 0, 0, dJ/dZ)", "wrong"), ("np.where(Y < 0, dJ/dZ, 0)", "wrong"), ("dJ/dZ ⊙ relu_prime(Y)", OK),
                  ("dJ/dZ ⊙ (Y.clamp(min=0) > 0)", OK), ("dJ/dZ * np.where(Y > 0, 1, 0)", "elementwise-vs-matrix-product"),
                  ("dJ/dZ ⊙ Y.clamp(min=0)", "wrong-activation-derivative"), ("dJ/dZ ⊙ np.clip(Y, 0, None)", "wrong-activation-derivative")],
        "dJ/db": [("np.ones((1, B)) @ dJ/dY", OK), ("torch.ones((1, B)) @ dJ/dY", OK), ("np.ones((B, 1)).T @ dJ/dY", OK),
                  ("np.ones((B, 1)) @ dJ/dY", "dimension-error"), ("dJ/dY[0]", "invalid")],
        "dJ/dX": [("dJ/dY @ W[0].T", "invalid"), ("np.matmul(dJ/dY, W.transpose())", OK)]}},
    "neuron": {"answers": {
        "dL/da": [("dL/dz f_prime(a)", OK), ("dL/dz f_derivative(a)", OK), ("dL/dz f(a)", "wrong-activation-derivative")],
        "dL/dy": [("dL/da np.ones((n, 1))", OK), ("dL/da * np.ones((n, 1))", OK), ("dL/da np.ones((1, n))", "transposed")]}},
    "layer": {"answers": {
        "dL/da": [("dL/dz ⊙ f_prime(a)", OK), ("np.multiply(dL/dz, f_derivative(a))", OK), ("dL/dz ⊙ f(a)", "wrong-activation-derivative")],
        "dL/dx": [("W[0].T @ dL/da", "invalid")]}},
    "mlp-pytorch": {"answers": {
        "dLoss/da2": [("dLoss/dz2 ⊙ sigmoid_prime(a2)", OK), ("dLoss/dz2 ⊙ sigmoid_derivative(a2)", OK),
                      ("dLoss/dz2 ⊙ a2.sigmoid() ⊙ (1 - a2.sigmoid())", OK), ("dLoss/dz2 ⊙ torch.sigmoid(a2)", "wrong-activation-derivative"),
                      ("torch.mul(dLoss/dz2, sigmoid_prime(a2))", OK)],
        "dLoss/dW3": [("dLoss/da3 @ z2.T[0]", "invalid"), (r"\nabla_{a_3} Loss \, z_2^\top", "invalid")]}},
    "two-layer-sigmoid-l2": {"answers": {
        "dLoss/dh1": [("dLoss/dz1 ⊙ sigmoid_derivative(h1)", OK), ("dLoss/dz1 ⊙ sigmoid_prime(h_1)", OK),
                      ("dLoss/dz1 ⊙ np.square(σ(h1))", "wrong")],
        "dLoss/dz2": [("2 np.subtract(z2, y)", OK), ("np.power(z2 - y, 1) * 2", OK), ("np.square(z2 - y)", "wrong")]}},
    "activation-derivatives": {"answers": {
        "dz_relu/dx": [("diag(np.where(x > 0, 1, 0))", OK), ("np.diag(np.where(x >= 0, 1, 0))", OK), ("diag(relu_prime(x))", "invalid"),
                       ("diag(x.clamp(min=0))", "wrong"), ("diag(np.where(x > 0, 0, 1))", "wrong"), (r"\operatorname{diag}(x \geq 0)", OK)],
        "dz_leaky/dx": [("diag(np.where(x > 0, 1, 0.01))", OK), ("diag(np.where(x > 0, 1, 0.1))", "wrong")],
        "dz_hardtanh/dx": [("diag(np.where(abs(x) < 1, 1, 0))", OK), ("diag(|x| < 1)", OK), (r"\operatorname{diag}(\left|x\right| \leq 1)", OK),
                           ("diag(|x| > 1)", "wrong")],
        "dz_tanh/dx": [("diag(1 - tanh^{-1}(x))", "invalid"), ("diag(1 - np.square(np.tanh(x)))", OK), ("diag(1 - np.power(np.tanh(x), 2))", OK),
                       ("diag(1 - tanh(x)^(-1))", "wrong"), ("diag(tanh_prime(x))", "invalid"), ("diag(1 - x.tanh().pow(2))", OK)],
        "dz_sigmoid/dx": [("diag(sigmoid_prime(x))", "invalid"), ("diag(x.sigmoid() ⊙ (1 - x.sigmoid()))", OK)],
        "dz_sin/dx": [(r"\operatorname{diag}(\cos x)", OK), (r"\operatorname{diag}(\sin x)", "wrong")],
        "dz_cos/dx": [(r"-\operatorname{diag}(\sin x)", OK)],
        "dJ/dα": [(r"\sum_i \frac{\partial J}{\partial z_{prelu}}_i x_i (x_i < 0)", OK), ("Σ_i dJ/dz_prelu_i x_i (x_i < 0)", OK),
                  (r"\sum_{i=1}^{n} \frac{\partial J}{\partial z_{prelu}} \odot x \odot (x < 0)", "invalid"), ("∑_i dJ/dz_prelu_i x_i", "wrong"),
                  ("sum(np.where(x < 0, dJ/dz_prelu ⊙ x, 0))", OK), ("sum(np.where(x > 0, dJ/dz_prelu ⊙ x, 0))", "wrong")]}},
    "sigmoid-derivative": {"answers": {
        "ds/du": [("ds/de e", OK), ("ds/de e^2", "wrong"), (r"-\frac{e}{p^{2}}", OK), (r"-\frac{e^{u}}{p^2}", "invalid")],
        "ds/dx": [(r"\frac{e^{-x}}{(1 + e^{-x})^2}", "invalid"), (r"\frac{e}{p^2}", OK), ("e / p^2", OK), ("-e / p^2", "sign-error")]}},
    "logistic-neuron": {"answers": {
        "df/dt": [("-e / den^2", OK), (r"-\frac{e}{\mathrm{den}^{2}}", OK), ("e / den^2", "wrong")]}},
    "jacobian-l1": {"answers": {
        "dL/dyhat": [("((ŷ - y) / |ŷ - y|)^T", OK), (r"\left(\frac{\hat y - y}{\left|\hat y - y\right|}\right)^\top", OK),
                     ("|ŷ - y|^T", "wrong"), ("((y - ŷ) / |ŷ - y|)^T", "sign-error")],
        "dL/dy": [("-((ŷ - y) / |ŷ - y|)^T", OK), ("((ŷ - y) / |y - ŷ|)^T", "sign-error")]}},
    "jacobian-l2": {"answers": {
        "dL/dyhat": [(r"\|\hat y - y\|^2", "shape-mismatch"), ("‖ŷ - y‖_2^2", "shape-mismatch")]}},
    "linear-regression": {"answers": {
        "dJ/dθ": [(r"\nabla_\theta J", "invalid"), ("X.T @ (X @ θ - y)[0] / m", "invalid"), (r"\frac{1}{m} X^\top (X\theta - y)^{T}", "dimension-error")],
        "dJ/dr": [(r"\frac{1}{m} \sum_i r_i", "shape-mismatch"), (r"\frac{r}{m}", OK)]}},
    "jacobian-softmax": {"answers": {
        "ds/dx": [(r"\operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top", OK), (r"\operatorname{diag}(\mathbf{s}) - \mathbf{s}^\top\mathbf{s}", "wrong")]}},
    "jacobian-l2": {"answers": {
        "dL/dy": [(r"-2(\widehat{y} - y)^\top", OK), (r"2(\widehat{y} - y)^\top", "sign-error")]}},
}
_LATEX_MORE = {
    ("batch-affine", "dJ/db"): [(r"\mathbf{1}^\top \frac{\partial J}{\partial Y}", "invalid"), ("np.ones_like(b) * dJ/dY", "invalid")],
    ("batch-affine", "dJ/dY"): [(r"\frac{\partial J}{\partial Z} \odot \mathbb{1}_{Y > 0}", OK), (r"\frac{\partial J}{\partial Z} \odot \mathbb{1}[Y > 0]", OK),
                                (r"\frac{\partial J}{\partial Z} \odot 1_{Y > 0}", OK), (r"\frac{\partial J}{\partial Z} \odot \mathbb{1}_{Y < 0}", "wrong"),
                                ("dJ/dZ ⊙ np.greater(Y, 0)", OK), ("dJ/dZ ⊙ np.less(Y, 0)", "wrong"), ("dJ/dZ.clone() ⊙ Y.gt(0)", OK),
                                ("dJ/dZ ⊙ np.heaviside(Y, 0)", OK), ("dJ/dZ ⊙ np.heaviside(-Y, 0)", "wrong")],
    ("affine", "dJ/da"): [(r"\frac{\mathrm{d}J}{\mathrm{d}c} W^\mathsf{T}", OK), ("dJ / dc @ W.T", OK), ("∂J / ∂c W^T", OK),
                          (r"\partial J / \partial c \, W^\top", OK), ("dJ / dc @ W", "dimension-error")],
    ("jacobian-softmax", "ds/dx"): [("torch.diag(s.squeeze()) - s @ s.T", OK), ("np.diag(s.flatten()) - s.T @ s", "wrong")],
    ("layer", "dL/dW"): [("torch.outer(dL/da.squeeze(), x.squeeze())", OK), ("torch.outer(x.squeeze(), dL/da.squeeze())", "transposed")],
    ("activation-derivatives", "dz_relu/dx"): [(r"\operatorname{diag}(\mathbb{1}_{x > 0})", OK), (r"\operatorname{diag}(\mathbb{1}_{x < 0})", "wrong")],
}
_LATEX_MORE.update({
    ("sigmoid-derivative", "ds/dx"): [(r"\frac{d\sigma(x)}{dx}", "invalid")],
    ("mlp-pytorch", "dLoss/dx"): [("W1^t dLoss/da1", OK), ("W_1^t dLoss/da_1 + 0", OK), ("W1 dLoss/da1 + 0", "wrong")],
    ("two-layer-sigmoid-l2", "dLoss/dz1"): [("dLoss/dz2 W2^t", OK), ("dLoss/dz2 W2", "dimension-error")],
    ("layer", "dz/da"): [(r"\operatorname{diag}\left(\frac{d f(a)}{d a}\right)", OK), (r"\operatorname{diag}(f^{\prime}(a))", OK),
                         (r"\operatorname{diag}(f(a))", "wrong-activation-derivative")],
})
_LATEX_MORE[("two-layer-sigmoid-l2", "dLoss/dh1")] = [(r"\frac{\partial Loss}{\partial z_1} \odot \sigma^{\prime}(h_1)", OK),
                                                      (r"\frac{\partial Loss}{\partial z_1} \odot \frac{d\sigma(h_1)}{dh_1}", OK)]
for (_ex, _question), _answers in _LATEX_MORE.items():
    MORE.setdefault(_ex, {}).setdefault("answers", {}).setdefault(_question, []).extend(_answers)
for _ex, _sections in MORE.items():
    for _section, _questions in _sections.items():
        for _question, _answers in _questions.items():
            CORPUS.setdefault(_ex, {}).setdefault(_section, {}).setdefault(_question, []).extend(_answers)
