import fs from 'node:fs';
import { renderSpecDocs } from './spec-docs.js';

fs.writeFileSync(new URL('../../docs/pipeline-spec.md', import.meta.url), renderSpecDocs());
