/** The Pod status a kubelet reports when the step container has exited: what the operator reads a step's report from. */
export function terminatedPodStatus(o: {
  name: string;
  image: string;
  ok: boolean;
  message?: string | undefined;
  startedAt: string;
  finishedAt: string;
}) {
  return {
    phase: o.ok ? 'Succeeded' : 'Failed',
    containerStatuses: [
      {
        name: o.name,
        image: o.image,
        imageID: '',
        ready: false,
        restartCount: 0,
        state: {
          terminated: {
            exitCode: o.ok ? 0 : 1,
            reason: o.ok ? 'Completed' : 'Error',
            message: o.message ?? '',
            startedAt: o.startedAt,
            finishedAt: o.finishedAt,
          },
        },
      },
    ],
  };
}
