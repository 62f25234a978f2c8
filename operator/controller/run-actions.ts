import type { Logger } from 'pino';
import { isStatus, type KubeClient, type KubeError } from '../kube/kube-client.js';
import type { RunAction } from '../run/reconcile-run.js';
import { SPARK_API_VERSION, SPARK_PLURAL } from '../run/spark-application.js';
import { collection, createIfAbsent, deleteIfPresent, mergePatch } from './kube-writes.js';

/**
 * Carries out a run reconcile's object actions (events are the handler's, after its status write). Stops at a
 * SparkApplication create that finds no such resource (404: the Spark Operator's CRD is gone) and returns that
 * error, so the handler decides again knowing Spark is missing instead of failing the reconcile for ever.
 */
export async function executeRunActions(
  client: KubeClient,
  ns: string,
  actions: RunAction[],
  log: Logger,
): Promise<{ sparkMissing?: KubeError }> {
  const jobs = collection('batch/v1', ns, 'jobs');
  const apps = collection(SPARK_API_VERSION, ns, SPARK_PLURAL);
  for (const a of actions) {
    if (a.type === 'createConfigMap') {
      await createIfAbsent(client, collection('v1', ns, 'configmaps'), a.configMap);
    } else if (a.type === 'createJob') {
      await createIfAbsent(client, jobs, a.job);
      log.info({ job: a.job.metadata.name }, 'created step job');
    } else if (a.type === 'suspendJob') {
      await mergePatch(client, jobs, a.name, { spec: { suspend: a.suspend } });
      log.info({ job: a.name, suspend: a.suspend }, 'set step job suspend');
    } else if (a.type === 'deleteJob') {
      await deleteIfPresent(client, jobs, a.name);
      log.info({ job: a.name }, 'deleted step job');
    } else if (a.type === 'createSparkApplication') {
      try {
        await createIfAbsent(client, apps, a.app);
      } catch (e) {
        if (isStatus(e, 404)) return { sparkMissing: e as KubeError };
        throw e;
      }
      log.info({ sparkApplication: a.app.metadata.name }, 'created step SparkApplication');
    } else if (a.type === 'suspendSparkApplication') {
      await mergePatch(client, apps, a.name, { spec: { suspend: a.suspend } });
      log.info({ sparkApplication: a.name, suspend: a.suspend }, 'set step SparkApplication suspend');
    } else if (a.type === 'deleteSparkApplication') {
      // A missing CRD means the application is gone too.
      await deleteIfPresent(client, apps, a.name);
      log.info({ sparkApplication: a.name }, 'deleted step SparkApplication');
    }
  }
  return {};
}
