"""Practice calls: a scenario plays the caller, the student walks the procedure, and each
decision is scored against the rule it follows, with the rule and the course document's
section quoted.

rules: what is scored and why; scenario: one scenario as it is played; scenarios: the
scenario files, read and checked (coherence: what its parts must agree on); call: the
simulated call; scoring: judging what the student says; scorecard: the finished call's
card; results: what is kept and reported."""

from deskcli.core.practice.call import (Decisions, PracticeCall, answers_toml,  # noqa: F401
                                       play_answers,
                                       read_answers, right_answers, sandbox, student_key)
from deskcli.core.practice.call import MODES  # noqa: F401
from deskcli.core.practice.results import (exam, grades_csv, keep_result, mastery,  # noqa: F401
                                          mode_of, next_exam_scenario, results,
                                          results_repository, set_exam, student_of, summary)
from deskcli.core.practice.rules import (ABANDONED, CLOSING_LABEL, GROUP_LABELS, PARTS,  # noqa: F401
                                        POINTS,
                                        PRACTICE_DIR, QUESTIONS, RESULTS, RULES, SCENARIO_DIR,
                                        SAID, TOLD, TREATMENT_RULES, TREATMENTS, Rule)
from deskcli.core.practice.scenario import Scenario, matches  # noqa: F401
from deskcli.core.practice.scenarios import (find_scenario,  # noqa: F401
                                            check_scenario, draw, list_scenarios, load_scenario,
                                            scenario_dirs, scenario_files)
from deskcli.core.practice.scorecard import exam_view, scorecard  # noqa: F401
from deskcli.core.practice.scoring import judge_reformulation  # noqa: F401
