import { checkInService } from "./service.js";

// Composition root of the check-in service: the only module with side effects.
await checkInService.main();
