import React from 'react'
import x from './x.js'
import {y} from "./y.js"
export {z} from './z.js'
console.log(React, x, y)
