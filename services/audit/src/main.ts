import { auditService } from "./service.js";

// Composition root of the audit service: the only module with side effects.
await auditService.main();
