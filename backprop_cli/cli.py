"""The ``backprop`` command: click commands only. Each parses its options, calls the core and hands the
result to a renderer; :class:`BackpropGroup` is the one place that turns errors into messages and exit
codes, so tests call :data:`cli` itself with click's ``CliRunner``."""
from __future__ import annotations

import dataclasses
import os
import sys
from typing import IO, TYPE_CHECKING, Any, Callable, TypeVar

import click

from backprop_cli.errors import BackpropError, InputError, UsageError
from backprop_cli.messages import LANGUAGES, LOCALE_VARIABLES, default_lang, language_of, message

if TYPE_CHECKING:      # the commands import what they run when they run it, so ``--help`` stays quick
    from rich.console import Console
    from backprop_cli.exercise.model import Exercise
    from backprop_cli.grade.verdict import Report

F = TypeVar("F", bound=Callable[..., Any])
FORMATS_CHECK = ("rich", "json", "junit", "github", "gradescope", "classroom")
FORMATS_GRADE = ("table", "json", "csv", "junit", "canvas", "html")


def _console(file: IO[str] | None = None) -> Console:
    from rich.console import Console
    return Console(file=file, highlight=False)


def _lang(ctx: click.Context) -> str:
    """The language of this run: ``--lang`` after the command, else before it, else the locale's."""
    return ctx.meta.get("backprop.lang") or default_lang()


class _LangOption(click.Option):
    """``--lang``; its default comes from the locale variables, where ``de_DE.UTF-8`` means ``de``."""

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        value = super().resolve_envvar_value(ctx)
        return None if value is None else language_of(value)


def _remember_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:   # the group's value (or the locale's) first, then a command's own --lang
        ctx.meta["backprop.lang"] = value


def lang_option(from_locale: bool = False) -> Callable[[F], F]:
    """The one ``--lang`` option: on the group (default from LC_ALL, LC_MESSAGES or LANG) and on the
    commands that print messages, where it overrides the group's."""
    return click.option("--lang", cls=_LangOption, type=click.Choice(LANGUAGES), expose_value=False, is_eager=True,
                        envvar=list(LOCALE_VARIABLES) if from_locale else None, callback=_remember_lang,
                        help="Language of messages (default: from LANG)." if from_locale else "Language of the feedback.")


class _Failure(click.ClickException):
    """A designed error or a bug, already in the user's language, with its exit code."""

    def __init__(self, text: str, exit_code: int):
        super().__init__(text)
        setattr(self, "exit_code", exit_code)    # click reads it from the instance; 8.5 types it as a ClassVar

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class BackpropGroup(click.Group):
    """The command group; the one place where errors become messages and exit codes, never tracebacks."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["backprop.github"] = any(a == "--format=github" or (a == "--format" and b == "github")
                                          for a, b in zip(args, list(args[1:]) + [""]))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke(ctx)
        except click.ClickException as err:
            if ctx.meta.get("backprop.github"):     # under GitHub Actions a usage error is an annotation too
                text = err.format_message().replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                click.echo(f"::error title=backprop::{text}")
            raise

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BackpropError as err:
            raise _Failure(err.render(_lang(ctx)), err.exit_code) from None
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Exception as err:  # noqa: BLE001 - a bug: say so plainly, never show a traceback
            raise _Failure(message("cli.bug", _lang(ctx), error=f"{type(err).__name__}: {err}"), 2) from None


def _write(path: str | None, text: str | bytes) -> None:
    """Write ``text`` to ``path`` atomically (no partial file on failure), or to standard output."""
    if path in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException as err:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise UsageError("cli.cannot_write", path=path, reason=err.strerror or str(err)) from None
        raise


def _load(name: str, student: str | None = None) -> Exercise:
    """The exercise, with its own texts in the language of this run (``translations``)."""
    from backprop_cli.exercise.bank import load
    from backprop_cli.exercise.texts import localized

    return localized(load(name, student), _lang(click.get_current_context()))


@click.group(cls=BackpropGroup, context_settings={"help_option_names": ["-h", "--help"]})
@lang_option(from_locale=True)
@click.version_option(package_name="backprop-cli")
def cli() -> None:
    """Check backpropagation exercises: gradients, Jacobians and shapes."""


@cli.command("list")
@lang_option()
@click.argument("paths", nargs=-1)
@click.option("--tag", "tags", multiple=True, help="Only exercises with this tag (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def list_cmd(paths: tuple[str, ...], tags: tuple[str, ...], fmt: str) -> None:
    """List exercises (./exercises if present, else the built-in bank)."""
    from backprop_cli.exercise.bank import exercise_files
    from backprop_cli.exercise.model import load_exercise
    from backprop_cli.exercise.texts import localized
    from backprop_cli.report.listing import listing_json, print_listing

    exercises = [localized(load_exercise(f), _lang(click.get_current_context())) for f in exercise_files(paths)]
    exercises = [e for e in exercises if all(t in e.tags for t in tags)]
    if fmt == "json":
        _write(None, listing_json(exercises))
    else:
        print_listing(exercises, _console(), _lang(click.get_current_context()))


@cli.command("show-graph")
@lang_option()
@click.argument("exercise")
@click.option("--format", "fmt", type=click.Choice(["tree", "dot", "mermaid", "svg", "png"]), default="tree", show_default=True)
@click.option("--values", "with_values", is_flag=True, help="Show forward values and gradients.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Seed of the random point when the exercise has no values.")
@click.option("-o", "--output", default=None, help="Write to FILE instead of standard output.")
def show_graph(exercise: str, fmt: str, with_values: bool, seed: int, output: str | None) -> None:
    """Draw the computational graph of EXERCISE (a file or an id)."""
    from backprop_cli.grade.reference import prepare
    from backprop_cli.report.graph import graph_dot, graph_mermaid, graph_tree, render_graphviz

    ref = prepare(_load(exercise), seed)
    trial = (ref.value_trial or ref.trials[0]) if with_values else None
    lang = _lang(click.get_current_context())
    if fmt == "tree":
        _write(output, graph_tree(ref.graph, ref, trial, lang))
    elif fmt == "mermaid":
        _write(output, graph_mermaid(ref.graph, trial, lang))
    elif fmt == "dot":
        _write(output, graph_dot(ref.graph, trial, lang))
    else:
        data = render_graphviz(graph_dot(ref.graph, trial, lang), fmt)
        if output is None and fmt == "png" and sys.stdout.isatty():
            raise UsageError("cli.png_to_terminal")
        _write(output, data)


@cli.command()
@lang_option()
@click.argument("exercise")
@click.option("--format", "fmt", type=click.Choice(["rich", "json", "markdown", "latex"]), default="rich", show_default=True)
@click.option("--steps", is_flag=True, help="Show the accumulation node by node.")
@click.option("--mode", type=click.Choice(["reverse", "forward"]), default="reverse", show_default=True)
@click.option("--wrt", default=None, help="Forward mode: the input to differentiate with respect to.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--student", default=None, help="Use this student's own numbers (exercises with drawn values).")
@click.option("--questions-only", is_flag=True, help="With --format latex: the exercise sheet, without answers.")
@click.option("-o", "--output", default=None, help="Write to FILE instead of standard output.")
def solve(exercise: str, fmt: str, steps: bool, mode: str, wrt: str | None, seed: int, student: str | None,
          questions_only: bool, output: str | None) -> None:
    """Print the reference answers of EXERCISE: formula, shape and (with values) number."""
    import json

    from backprop_cli.grade.solve import solve as solve_exercise
    from backprop_cli.grade.variant_refs import prepared_for
    from backprop_cli.report.solution import print_solution_rich, solution_json, solution_latex, solution_markdown

    ref = prepared_for(_load(exercise), student, seed)
    if questions_only and fmt != "latex":
        raise UsageError("cli.questions_only_latex")
    if wrt is not None and mode != "forward":
        raise UsageError("cli.wrt_needs_forward", name=wrt)
    if wrt is not None and wrt not in ref.graph.shapes:
        raise UsageError("cli.unknown_wrt", name=wrt, inputs=", ".join(ref.graph.inputs))
    sol, lang = solve_exercise(ref, steps, mode, wrt), _lang(click.get_current_context())
    if fmt == "json":
        _write(output, json.dumps(solution_json(sol), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        _write(output, solution_markdown(sol, lang))
    elif fmt == "latex":
        _write(output, solution_latex(sol, questions_only, lang))
    elif output:
        from io import StringIO
        from rich.console import Console

        console = Console(file=StringIO(), record=True, width=100, color_system=None)
        print_solution_rich(sol, console, lang)
        _write(output, console.export_text())
    else:
        print_solution_rich(sol, _console(), lang)
    if sol.not_finite is not None:     # printed, but never silently: say which node, exit 1
        click.echo(message(sol.not_finite[0], lang, **sol.not_finite[1]), err=True)
        click.get_current_context().exit(1)


@cli.command()
@click.argument("exercise")
@click.option("--answers", "answers_path", default=None, help="Answers file (default: solutions/<id>.yaml).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_CHECK), default="rich", show_default=True)
@lang_option()
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, help="Seed of the random trials.")
@click.option("--show-solution", is_flag=True, help="Reveal the reference for wrong answers.")
@click.option("--fingerprint", "pinned", default=None, metavar="SHA", help="Exit 2 unless the exercise has this fingerprint.")
@click.option("--watch", is_flag=True, help="Grade again whenever the answers file is saved, until Ctrl-C.")
@click.option("--student", default=None, help="Use this student's own numbers (exercises with drawn values).")
@click.pass_context
def check(ctx: click.Context, exercise: str, answers_path: str | None, fmt: str, seed: int, show_solution: bool,
          pinned: str | None, watch: bool, student: str | None) -> None:
    """Grade an answers file against EXERCISE (a file or an id)."""
    lang = _lang(ctx)
    try:
        _check(ctx, lang, exercise, answers_path, fmt, seed, show_solution, pinned, watch, student)
    except BackpropError as err:
        if fmt == "json" and not watch:    # --format json prints JSON whatever happens (SPEC 4)
            from backprop_cli.report.check import error_json

            _write(None, error_json(exercise, err, lang))
        raise


def _check(ctx: click.Context, lang: str, exercise: str, answers_path: str | None, fmt: str, seed: int,
           show_solution: bool, pinned: str | None, watch: bool, student: str | None) -> None:
    from backprop_cli.grade.checking import (CHECK_DEADLINE, check_files, exercise_identity, missing_report, no_answers,
                                             watch_file)

    ex = _load(exercise)
    fp, shadow_warnings = exercise_identity(ex, pinned)
    path = answers_path or os.path.join("solutions", f"{ex.id}.yaml")
    lms = fmt in ("gradescope", "classroom")
    if not os.path.exists(path) and not lms:
        raise no_answers(path, exercise)
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError("check.not_regular", path=path)   # a FIFO or device would block the read

    def run() -> Report:
        if lms and not os.path.exists(path):
            report = missing_report(ex)     # in an LMS a deleted answers file scores 0, it is no usage error
        elif lms:
            try:
                report = check_files(ex, path, seed, deadline=CHECK_DEADLINE)
            except InputError as err:       # and so does an unreadable one
                report = missing_report(ex, err)
        else:
            report = check_files(ex, path, seed, student, deadline=CHECK_DEADLINE)
        report = dataclasses.replace(report, fingerprint=fp, warnings=shadow_warnings + report.warnings)
        _show_report(report, fmt, lang, show_solution, ex)
        return report

    if not watch:
        ctx.exit(0 if run().passed else 1)
    watch_file(path, run, lambda err: click.echo(err.render(lang), err=True))


def _show_report(report: Report, fmt: str, lang: str, show_solution: bool, ex: Exercise) -> None:
    from backprop_cli.report.check import print_report, report_description, report_github, report_json, report_junit

    if fmt in ("gradescope", "classroom"):
        from backprop_cli.report.lms import report_classroom, report_gradescope
        _write(None, (report_gradescope if fmt == "gradescope" else report_classroom)(report, lang))
    elif fmt == "json":
        _write(None, report_json(report, lang, show_solution))
    elif fmt == "junit":
        _write(None, report_junit([report], lang))
    elif fmt == "github":
        _write(None, report_github(report, lang))
    else:
        print_report(report, sys.stdout, lang, show_solution, report_description(ex, report, lang))


@cli.command()
@lang_option()
@click.argument("exercise")
@click.option("-o", "--output", default=None, help="Where to write (default: solutions/<id>.yaml; '-' for standard output).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--student", default=None, help="Use this student's own numbers (exercises with drawn values).")
@click.pass_context
def init(ctx: click.Context, exercise: str, output: str | None, force: bool, student: str | None) -> None:
    """Write an answers template for EXERCISE."""
    from backprop_cli.report.template import answers_template

    ex = _load(exercise, student)
    text = answers_template(ex, _lang(ctx))
    if output is None:
        os.makedirs("solutions", exist_ok=True)
        output = os.path.join("solutions", f"{ex.id}.yaml")
    if output != "-" and os.path.exists(output) and not force:
        raise UsageError("cli.exists", path=output)
    _write(output, text)
    if output != "-":
        click.echo(message("cli.wrote", _lang(ctx), path=output), err=True)


@cli.command()
@lang_option()
@click.argument("paths", nargs=-1)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], seed: int) -> None:
    """Check exercise files: schema, graph, shapes, references against finite differences, solutions."""
    from backprop_cli.grade.checking import validate_files
    from backprop_cli.report.validate import validate_text

    lang = _lang(ctx)
    ok = True
    for result in validate_files(paths, seed):
        click.echo(validate_text(result, lang), err=not result.ok)
        ok = ok and result.ok
    ctx.exit(0 if ok else 1)


@cli.command()
@lang_option()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False))
@click.option("--exercises", "exercises_dir", default=None, help="Folder of the assignment's exercise files.")
@click.option("--assignment", "assignment_file", default=None, help="YAML list of exercise ids (with optional points).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_GRADE), default="table", show_default=True)
@click.option("-o", "--output", default=None, help="Write to FILE instead of standard output.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True, help="Seconds per submission.")
@click.pass_context
def grade(ctx: click.Context, submissions: str, exercises_dir: str | None, assignment_file: str | None, fmt: str,
          output: str | None, jobs: int, seed: int, timeout: float) -> None:
    """Grade a class: SUBMISSIONS holds one folder per student with <id>.yaml answers files; every
    student gets a record for every exercise of --exercises DIR or --assignment FILE."""
    from backprop_cli.grade.batch import grade_class
    from backprop_cli.report import batch as render

    lang = _lang(ctx)
    bar = render.ProgressBar(lang) if sys.stderr.isatty() else None
    try:
        cg = grade_class(submissions, exercises_dir, assignment_file, jobs, seed, timeout,
                         progress=bar.advance if bar is not None else None)
    finally:
        if bar is not None:
            bar.stop()
    if fmt != "table":
        for text in render.class_warnings(cg, lang):
            click.echo(f"{message('report.warning', lang)}: {text}", err=True)
    if fmt == "html":
        from backprop_cli.report.html import grade_html

        _write(output, grade_html(cg, lang))
    elif fmt == "table" and not output:
        render.print_grade(cg, _console(), lang)
    else:
        text = {"json": render.grade_json, "csv": render.grade_csv, "canvas": render.grade_canvas,
                "junit": render.grade_junit, "table": render.grade_text}[fmt](cg, lang)
        _write(output, text)
    ctx.exit(2 if cg.internal else 0 if cg.passed else 1)    # a fault of the tool is reported as one (SPEC 10)


@cli.command()
@lang_option()
@click.argument("which", type=click.Choice(["exercise", "answers"]), default="exercise")
def schema(which: str) -> None:
    """Print the JSON Schema of the exercise or answers file, for editor validation."""
    from backprop_cli.exercise.schema import schema_json

    _write(None, schema_json(which))


def main(argv: list[str] | None = None) -> None:
    """Run the command line (the ``backprop`` console script); exits with the command's code."""
    cli.main(args=argv, prog_name="backprop")
