// The pre-training objectives, shared by the engine, the CLI and the webviews so that "which data does it use" is
// answered in one place.

/** NLL over tasks evaluated anywhere, EKL over groups of tasks evaluated at the same points, or their sum. */
export type PretrainObjectiveKind = 'nll' | 'ekl' | 'nll+ekl';

/** Whether the objective reads the groups of tasks evaluated at shared points (EKL's data). */
export const usesMatchedGroups = (kind: PretrainObjectiveKind): boolean => kind !== 'nll';

/** Whether the objective reads each task's own observations (NLL's data). */
export const usesTaskData = (kind: PretrainObjectiveKind): boolean => kind !== 'ekl';
